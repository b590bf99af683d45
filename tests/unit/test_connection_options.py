"""The Engine API timeout's two names: ``timeout`` (alias ``api_timeout``) on every module, and
``api_timeout`` only on compose, whose ``timeout`` is the stop timeout as on docker_compose_v2."""

from ansible_collections.berth.docker.plugins.module_utils.common import (
    CONNECTION_ARGUMENT_SPEC,
    connection_config,
    docker_argument_spec,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.options import COMPOSE_SPEC, INFO_SPEC


def test_a_module_without_a_timeout_of_its_own_keeps_the_api_timeout_as_timeout():
    spec = docker_argument_spec(dict(name=dict(type='str')))
    assert spec['timeout']['aliases'] == ['api_timeout'] and spec['timeout']['default'] == 60
    assert 'api_timeout' not in spec
    assert connection_config({'timeout': 7}).timeout == 7


def test_compose_timeout_is_the_stop_timeout_and_the_api_timeout_moves():
    spec = docker_argument_spec(COMPOSE_SPEC)
    assert spec['timeout'] == dict(type='int', aliases=['stop_timeout'])
    assert spec['api_timeout']['default'] == 60 and 'aliases' not in spec['api_timeout']
    assert spec['api_timeout']['fallback'] == CONNECTION_ARGUMENT_SPEC['timeout']['fallback']
    # the stop timeout never reaches the client
    assert connection_config({'timeout': 1, 'api_timeout': 45}).timeout == 45
    # the shared table is not changed by the move
    assert CONNECTION_ARGUMENT_SPEC['timeout']['aliases'] == ['api_timeout']


def test_compose_info_keeps_timeout_as_the_api_timeout():
    spec = docker_argument_spec(INFO_SPEC)
    assert spec['timeout']['default'] == 60 and 'api_timeout' not in spec
