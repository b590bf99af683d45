# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every Engine API module shares: the connection argument spec (documented once in
the ``berth.docker.docker`` doc fragment) and the run wrapper that turns any BerthError into
a clear ``fail_json`` and always closes the connection."""


import os
import traceback

from ansible.module_utils.basic import AnsibleFallbackNotFound, env_fallback

from ansible_collections.berth.docker.plugins.module_utils.api import (
    DEFAULT_DOCKER_HOST,
    DEFAULT_TIMEOUT,
    ConnectionConfig,
    EngineClient,
)
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError, SpecError


def _cert_path_fallback(filename):
    base = os.environ.get('DOCKER_CERT_PATH')
    if not base:
        raise AnsibleFallbackNotFound
    return os.path.join(base, filename)


def _tls_verify_fallback():
    # the docker CLI treats any non-empty DOCKER_TLS_VERIFY as "verify"
    value = os.environ.get('DOCKER_TLS_VERIFY')
    if value is None:
        raise AnsibleFallbackNotFound
    return value not in ('', '0', 'false', 'False', 'no')


CONNECTION_ARGUMENT_SPEC = dict(
    docker_host=dict(type='str', default=DEFAULT_DOCKER_HOST, aliases=['docker_url'],
                     fallback=(env_fallback, ['DOCKER_HOST'])),
    tls_hostname=dict(type='str', fallback=(env_fallback, ['DOCKER_TLS_HOSTNAME'])),
    api_version=dict(type='str', default='auto', aliases=['docker_api_version'],
                     fallback=(env_fallback, ['DOCKER_API_VERSION'])),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT, aliases=['api_timeout'],
                 fallback=(env_fallback, ['DOCKER_TIMEOUT'])),
    ca_path=dict(type='path', aliases=['ca_cert', 'tls_ca_cert', 'cacert_path'],
                 fallback=(_cert_path_fallback, ['ca.pem'])),
    client_cert=dict(type='path', aliases=['tls_client_cert', 'cert_path'],
                     fallback=(_cert_path_fallback, ['cert.pem'])),
    client_key=dict(type='path', aliases=['tls_client_key', 'key_path'], no_log=False,
                    fallback=(_cert_path_fallback, ['key.pem'])),
    tls=dict(type='bool', default=False, fallback=(env_fallback, ['DOCKER_TLS'])),
    validate_certs=dict(type='bool', default=False, aliases=['tls_verify'],
                        fallback=(_tls_verify_fallback, [])),
)


def docker_argument_spec(spec=None):
    """The connection options plus a module's own ``spec``.

    A module whose ``spec`` has a ``timeout`` of its own (compose: the stop timeout, as in
    docker_compose_v2) gets the Engine API timeout under its other name, ``api_timeout``."""
    merged = dict(CONNECTION_ARGUMENT_SPEC)
    if spec and 'timeout' in spec:
        api_timeout = dict(merged.pop('timeout'))
        api_timeout.pop('aliases')
        merged['api_timeout'] = api_timeout
    merged.update(spec or {})
    return merged


def connection_config(params):
    return ConnectionConfig(
        docker_host=params.get('docker_host'),
        tls=params.get('tls'),
        validate_certs=params.get('validate_certs'),
        ca_path=params.get('ca_path'),
        client_cert=params.get('client_cert'),
        client_key=params.get('client_key'),
        tls_hostname=params.get('tls_hostname'),
        api_version=params.get('api_version'),
        timeout=params['api_timeout'] if params.get('api_timeout') is not None else params.get('timeout'),
    )


def run_module(module, handler, on_error=None):
    """Create the client, call ``handler(module, client)`` which returns the result dict,
    and exit. A BerthError fails the task with its message (``on_error(exc)`` may add
    fields to the failure result, e.g. ``can_talk_to_docker``)."""
    client = None
    try:
        client = EngineClient(connection_config(module.params))
        result = handler(module, client)
    except BerthError as exc:
        extra = on_error(exc) if on_error else {}
        if isinstance(extra, dict) and extra.pop('_exit', False):
            module.exit_json(**extra)
        module.fail_json(msg=exc.msg, **(extra or {}))
    except Exception as exc:  # pragma: no cover - a bug, not bad input: show where
        module.fail_json(msg='unexpected error: %s: %s' % (type(exc).__name__, exc),
                         exception=traceback.format_exc())
    finally:
        if client is not None:
            client.close()
    module.exit_json(**result)


def check_labels(labels, field='labels'):
    """Refuse label values YAML did not read as text or a whole number (``1.0``, ``yes``): stored as
    Python writes them (``True``), they would not be what the user meant."""
    for key, value in (labels or {}).items():
        if isinstance(value, (bool, float)):
            raise SpecError(field, 'the value %r of %r is a %s, not text; quote it (for example "%s") so that the '
                            'label holds what you wrote' % (value, key, type(value).__name__,
                                                            str(value).lower() if isinstance(value, bool) else value))


class ResourceManager:
    """What the managers of a named engine resource (network, volume) share: the actions taken
    (or predicted in check mode), the result, and a diff of the options that differ.
    ``kind`` names the result key holding the resource's inspect data."""

    kind = None

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.name = self.p['name']
        self.actions = []
        self.result = {'changed': False}
        self.diff = {'before': {}, 'after': {}}

    def diff_options(self, diffs):
        """The diff from a list of {'option', 'before', 'after'}; ``differences`` names the options
        (as community.docker's network and volume modules do)."""
        self.diff = {'before': dict((d['option'], d['before']) for d in diffs),
                     'after': dict((d['option'], d['after']) for d in diffs),
                     'differences': [d['option'] for d in diffs]}

    def finish(self, data):
        self.result[self.kind] = data or {}
        self.result['actions'] = self.actions
        if self.module._diff:
            self.result['diff'] = self.diff
        return self.result
