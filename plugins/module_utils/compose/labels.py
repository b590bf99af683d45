# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names compose gives things: its label names (defined here once), project names, and the
container names it derives from them. What exec, container and the haproxy_servers filter need
to find a service's containers imports this file alone."""

import re

LABEL_PREFIX = 'com.docker.compose.'
LABEL_PROJECT = 'com.docker.compose.project'
LABEL_SERVICE = 'com.docker.compose.service'
LABEL_NUMBER = 'com.docker.compose.container-number'
LABEL_ONEOFF = 'com.docker.compose.oneoff'
LABEL_CONFIG_HASH = 'com.docker.compose.config-hash'
LABEL_WORKING_DIR = 'com.docker.compose.project.working_dir'
LABEL_CONFIG_FILES = 'com.docker.compose.project.config_files'
LABEL_ENV_FILE = 'com.docker.compose.project.environment_file'
LABEL_VERSION = 'com.docker.compose.version'
LABEL_IMAGE = 'com.docker.compose.image'
LABEL_DEPENDS_ON = 'com.docker.compose.depends_on'
LABEL_NETWORK = 'com.docker.compose.network'
LABEL_VOLUME = 'com.docker.compose.volume'


def normalise_project_name(name):
    """Like compose: lower case, only a-z 0-9 _ -, starting with a letter or digit."""
    value = re.sub(r'[^a-z0-9_-]', '', str(name or '').lower())
    value = value.lstrip('_-')
    return value
