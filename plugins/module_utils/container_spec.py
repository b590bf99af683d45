# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transitional: the container spec now lives in container_options, container_values,
container_body and container_compare (and units for sizes and durations). This module only
re-exports their names for the importers that have not switched yet; it goes away with them."""

# pylint: disable=unused-import
from ansible_collections.berth.docker.plugins.module_utils.container_body import (  # noqa: F401
    create_body, effective_network_mode, endpoint_config, update_body)
from ansible_collections.berth.docker.plugins.module_utils.container_compare import (  # noqa: F401
    _env_dict, actual_options, compare, desired_with_image_defaults, initial_network_actions, needs_recreate,
    network_actions, plan, resolve_comparisons, values_differ)
from ansible_collections.berth.docker.plugins.module_utils.container_options import (  # noqa: F401
    COMPARISON_MODES, NOT_COMPARED, OPTIONS, NormalizedOptions, normalize_options)
from ansible_collections.berth.docker.plugins.module_utils.container_values import (  # noqa: F401
    MOUNT_TYPES, RESTART_POLICIES, VOLUME_MODES, format_bind, normalize_capability, normalize_network_mode,
    parse_device, parse_device_request, parse_env_file, parse_exposed, parse_healthcheck, parse_mount, parse_network,
    parse_port, parse_ulimit, parse_volume)
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError  # noqa: F401
from ansible_collections.berth.docker.plugins.module_utils.units import parse_duration  # noqa: F401
from ansible_collections.berth.docker.plugins.module_utils.units import parse_size as parse_memory  # noqa: F401
