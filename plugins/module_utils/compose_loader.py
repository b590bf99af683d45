# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names the compose loader had, while its importers move to the compose package, where
they now live: compose.source (YAML, env files, interpolation), compose.merge (override files,
extends, include), compose.values (value syntaxes), compose.schema (key tables), compose.model
(the normalised project) and compose.graph (dependencies). Deleted once nothing imports it."""

from ansible_collections.berth.docker.plugins.module_utils.compose.graph import (  # noqa: F401
    dependency_order,
    hard_dependencies,
    service_dependencies,
    with_dependencies,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PREFIX, normalise_project_name  # noqa: F401
from ansible_collections.berth.docker.plugins.module_utils.compose.merge import (  # noqa: F401
    INCLUDED_KEYS,
    LIST_KEYS,
    REPLACE_KEYS,
    load_includes,
    merge_documents,
    merge_service,
    rebase_paths,
    resolve_extends,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.model import (  # noqa: F401
    MASK_DIGEST_CHARS,
    Project,
    load_project,
    mask_service,
    mask_value,
    normalise_service,
    project_config,
    value_digest,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.schema import (  # noqa: F401
    BUILD_KEYS,
    DEPENDS_CONDITIONS,
    NETWORK_KEYS,
    PULL_POLICIES,
    RESTART_RE,
    SERVICE_KEYS,
    SERVICE_KEYS_IGNORED,
    TOP_LEVEL_KEYS,
    TOP_LEVEL_UNSUPPORTED,
    VOLUME_KEYS,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.source import (  # noqa: F401
    COMPOSE_FILE_NAMES,
    OVERRIDE_FILE_NAMES,
    EnvValues,
    find_compose_files,
    interpolate,
    interpolate_env_value,
    parse_env_file_text,
    parse_yaml,
    read_env_file,
    read_file,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.values import (  # noqa: F401
    parse_duration,
    parse_healthcheck,
    parse_port,
    parse_size,
    parse_ulimits,
    parse_volume,
    to_list,
    to_list_env_file,
    to_map,
)
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError  # noqa: F401
