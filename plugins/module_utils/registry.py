# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry credentials: the docker CLI's ``config.json`` (read, and written compatibly:
0600, atomically), the ``X-Registry-Auth`` / ``X-Registry-Config`` headers for pull, push and
build, verification through the engine's ``POST /auth``, and the ``berth.docker.login``
module's logic."""


import base64
import copy
import json
import os
import subprocess

from ansible_collections.berth.docker.plugins.module_utils import files
from ansible_collections.berth.docker.plugins.module_utils.api import encode_auth_header
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options
from ansible_collections.berth.docker.plugins.module_utils.errors import APIError, DockerError, RegistryUnreachable
from ansible_collections.berth.docker.plugins.module_utils.image_ref import HUB_AUTH_KEY, registry_auth_key


def default_config_path():
    """``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json`` (as the docker CLI)."""
    base = os.environ.get('DOCKER_CONFIG')
    if base:
        return os.path.join(os.path.expanduser(base), 'config.json')
    return os.path.join(os.path.expanduser('~'), '.docker', 'config.json')


def load_config(path):
    """The parsed config.json, ``{}`` when it does not exist. Raises DockerError when it is
    not valid JSON (it is never overwritten then)."""
    try:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise DockerError('cannot read the docker config file %s: %s' % (path, exc))
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DockerError('the docker config file %s is not valid JSON (%s); fix or remove it, it was left '
                          'untouched' % (path, exc))
    if not isinstance(data, dict):
        raise DockerError('the docker config file %s does not hold a JSON object; fix or remove it' % path)
    return data


def write_config(path, config):
    """Write config.json atomically with mode 0600 (directory 0700 when created), in the
    docker CLI's format (tab-indented JSON)."""
    files.atomic_write(path, json.dumps(config, indent='\t', sort_keys=False) + '\n', 0o600, dir_mode=0o700)


def _find_key(auths, registry):
    """The key of ``auths`` that names ``registry`` (exact first, then normalised)."""
    if registry in auths:
        return registry
    wanted = registry_auth_key(registry)
    for key in auths:
        try:
            if registry_auth_key(key) == wanted:
                return key
        except ValueError:
            continue
    return None


def get_credentials(config, registry):
    """``{'username', 'password', 'serveraddress'}`` (or ``identitytoken``) stored for a
    registry in a parsed config.json, or None."""
    auths = config.get('auths') or {}
    key = _find_key(auths, registry)
    if key is None:
        return None
    entry = auths.get(key) or {}
    username = entry.get('username')
    password = entry.get('password')
    if entry.get('auth'):
        try:
            decoded = base64.b64decode(entry['auth'], validate=True).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            raise DockerError('the credentials stored for %s in the docker config file are not valid base64; log in '
                              'again (berth.docker.login with reauthorize: true)' % key)
        username, _sep, password = decoded.partition(':')
    result = {'serveraddress': key}
    if username:
        result['username'] = username
    if password:
        result['password'] = password
    if entry.get('identitytoken'):
        result['identitytoken'] = entry['identitytoken']
    if len(result) == 1:
        return None
    return result


def credential_helper(config, registry):
    """The name of the credential helper the docker CLI would use for ``registry``, if any."""
    key = registry_auth_key(registry)
    helpers = config.get('credHelpers') or {}
    for name, helper in helpers.items():
        try:
            if registry_auth_key(name) == key:
                return helper
        except ValueError:
            continue
    return config.get('credsStore') or None


# -- credential helpers (credsStore / credHelpers) ------------------------------------------------

HELPER_TIMEOUT = 60


def run_helper(helper, action, payload):
    """Run ``docker-credential-HELPER ACTION`` with ``payload`` (text) on stdin, as the docker CLI
    does. Returns its stdout; raises DockerError with what to do."""
    program = 'docker-credential-%s' % helper
    try:
        proc = subprocess.run([program, action], input=payload.encode('utf-8'), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=HELPER_TIMEOUT, check=False)
    except FileNotFoundError:
        raise DockerError('the docker config file names the credential helper %s, but %s is not in PATH; install it, '
                          'or remove "credsStore"/"credHelpers" from the config file' % (helper, program))
    except subprocess.TimeoutExpired:
        raise DockerError('the credential helper %s did not answer %s within %s s (is it waiting for a passphrase?)'
                          % (program, action, HELPER_TIMEOUT))
    out = proc.stdout.decode('utf-8', 'replace')
    if proc.returncode != 0:
        text = (out + proc.stderr.decode('utf-8', 'replace')).strip()
        if action == 'get' and 'credentials not found' in text.lower():
            return None
        raise DockerError('the credential helper %s failed to %s (exit %s): %s' % (program, action, proc.returncode, text))
    return out


def helper_credentials(helper, registry):
    """What the helper holds for ``registry`` as {'serveraddress', 'username', 'password'} (or
    ``identitytoken`` when the helper stores a token as user ``<token>``), or None."""
    out = run_helper(helper, 'get', registry)
    if not out:
        return None
    try:
        data = json.loads(out)
    except ValueError:
        raise DockerError('the credential helper docker-credential-%s answered get with something that is not JSON' % helper)
    if not data.get('Secret'):
        return None  # some helpers (pass 0.6) answer an erased entry with empty fields
    result = {'serveraddress': registry}
    if data.get('Username') == '<token>':
        result['identitytoken'] = data.get('Secret')
    else:
        result['username'] = data.get('Username')
        result['password'] = data.get('Secret')
    return result


def any_credentials(config, registry):
    """The credentials for ``registry`` wherever the docker CLI would look: its credential
    helper (credHelpers, else credsStore) when one is configured, else ``auths``."""
    helper = credential_helper(config, registry)
    if helper:
        return helper_credentials(helper, registry_auth_key(registry))
    return get_credentials(config, registry)


def set_credentials(config, registry, username, password, identitytoken=None):
    """A copy of ``config`` with the credentials for ``registry`` stored (other keys kept)."""
    new = copy.deepcopy(config)
    auths = new.setdefault('auths', {})
    key = _find_key(auths, registry) or registry_auth_key(registry)
    entry = {'auth': base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')}
    if identitytoken:
        entry['identitytoken'] = identitytoken
    auths[key] = entry
    return new


def remove_credentials(config, registry):
    """(copy of ``config`` without the entry for ``registry``, whether there was one)."""
    new = copy.deepcopy(config)
    auths = new.get('auths') or {}
    key = _find_key(auths, registry)
    if key is None:
        return new, False
    del auths[key]
    return new, True


def auth_for_image(registry, config_path=None):
    """The auth dict for pulling/pushing an image that lives in ``registry`` (a host like
    ``docker.io`` or ``127.0.0.1:5000``), from config.json; None when nothing is stored."""
    config = load_config(config_path or default_config_path())
    key = HUB_AUTH_KEY if registry == 'docker.io' else registry
    return any_credentials(config, key)


def auth_header(registry, config_path=None):
    """``X-Registry-Auth`` for ``registry``. Always a header (``{}`` when no credentials are
    stored): the engine wants one for push."""
    auth = auth_for_image(registry, config_path) or {}
    return {'X-Registry-Auth': encode_auth_header(auth)}


def build_config_header(config_path=None):
    """``X-Registry-Config`` for /build: every stored credential, for FROM images."""
    config = load_config(config_path or default_config_path())
    result = {}
    for key in list(config.get('auths') or {}) + list(config.get('credHelpers') or {}):
        if key in result:
            continue
        creds = any_credentials(config, key)
        if creds:
            result[key] = creds
    return {'X-Registry-Config': encode_auth_header(result)} if result else {}


def registry_error(registry, exc):
    """An engine error talking to a registry, turned into what the user must do."""
    message = exc.msg if isinstance(exc, DockerError) else str(exc)
    low = message.lower()
    if 'unauthorized' in low or 'authentication required' in low or 'incorrect username or password' in low \
            or 'no basic auth credentials' in low or 'denied' in low \
            or (isinstance(exc, APIError) and exc.status == 401):
        return DockerError(
            'registry %s needs a login or rejected the credentials (%s); check username and password, log in with '
            'berth.docker.login, or set DOCKER_CONFIG to the directory of the right config.json' % (registry, message))
    if 'connection refused' in low or 'no such host' in low or 'i/o timeout' in low or 'no route to host' in low \
            or 'dial tcp' in low or 'server misbehaving' in low:
        return RegistryUnreachable(
            'the registry %s cannot be reached from the engine (%s); is it running and is the address right? '
            'Nothing was changed' % (registry, message))
    if 'http response to https client' in low or 'x509' in low or 'certificate' in low:
        return DockerError(
            'TLS with registry %s failed (%s); give the registry a certificate the engine trusts, or add it to '
            'insecure-registries in daemon.json (berth.docker.engine)' % (registry, message))
    return exc if isinstance(exc, DockerError) else DockerError(message)


def verify_login(client, registry, username, password):
    """``POST /auth`` through the engine (which talks to the registry). Returns its answer
    (``Status``, ``IdentityToken``); raises DockerError with a clear message."""
    server = registry_auth_key(registry)
    body = {'username': username, 'password': password, 'serveraddress': server}
    try:
        return client.post('/auth', body=body, what='login to %s' % server) or {}
    except DockerError as exc:
        low = exc.msg.lower()
        if '401' in low or 'unauthorized' in low or 'incorrect username or password' in low or 'denied' in low:
            raise DockerError('login to %s failed: the registry rejected user %s with that password (%s); check '
                              'username and password. Nothing was written' % (server, username, exc.msg))
        raise registry_error(server, exc)


# -- berth.docker.login ---------------------------------------------------------------------

LOGIN_SPEC = dict(
    registry_url=dict(type='str', default=HUB_AUTH_KEY, aliases=['registry', 'url']),
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    reauthorize=dict(type='bool', default=False, aliases=['reauth']),
    config_path=dict(type='path', aliases=['dockercfg_path']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    debug=dict(type='bool', default=False),
)


def run_login(module, client):
    params = module.params
    path = params['config_path'] or default_config_path()
    try:
        key = registry_auth_key(params['registry_url'])
    except ValueError as exc:
        raise DockerError(str(exc))
    config = load_config(path)
    helper = credential_helper(config, key)
    before = any_credentials(config, key)
    result = {'changed': False, 'config_path': path, 'registry': key}
    if helper:
        result['credential_helper'] = helper

    if params['state'] == 'absent':
        new, existed = remove_credentials(config, key)
        if helper:
            existed = existed or before is not None
            result['actions'] = ['Erased the credentials for %s from docker-credential-%s' % (key, helper)] if before else []
            if before and not module.check_mode:
                run_helper(helper, 'erase', key)
        else:
            result['actions'] = ['Removed the credentials for %s from %s' % (key, path)] if existed else []
        result['changed'] = existed
        if existed and not module.check_mode and new != config:
            write_config(path, new)
        if module._diff:
            result['diff'] = {'before': {'registry': key, 'username': (before or {}).get('username')},
                              'after': {}}
        return result

    username, password = params['username'], params['password']
    if not username or not password:
        raise DockerError('state=present needs username and password (the password is not logged)')
    same = bool(before and before.get('username') == username and before.get('password') == password)
    if same and not params['reauthorize']:
        # already stored: like docker_login, no round trip to the registry unless reauthorize
        result['login_result'] = {'username': username, 'serveraddress': key, 'status': 'Already stored'}
        result['actions'] = []
    else:
        # verify first: a wrong password never reaches the file (or the helper)
        check_options(client, 'login', params)
        answer = verify_login(client, key, username, password)
        result['login_result'] = {'username': username, 'serveraddress': key, 'status': answer.get('Status')}
        if helper:
            # as the docker CLI: the secret goes to the helper, config.json only lists the registry
            new = copy.deepcopy(config)
            new.setdefault('auths', {}).setdefault(key, {})
            store = not same
        else:
            new = set_credentials(config, key, username, password, answer.get('IdentityToken') or None)
            store = False
        result['changed'] = store or new != config
        if result['changed']:
            result['actions'] = ['Stored the credentials of %s for %s in %s' % (
                username, key, 'docker-credential-%s' % helper if helper else path)]
        else:
            result['actions'] = ['Verified the stored credentials of %s for %s' % (username, key)]
        if not module.check_mode:
            if store:
                run_helper(helper, 'store', json.dumps({'ServerURL': key, 'Username': username, 'Secret': password}))
            if new != config:
                write_config(path, new)
    if module._diff:
        result['diff'] = {
            'before': {'registry': key, 'username': before.get('username')} if before else {},
            'after': {'registry': key, 'username': username},
        }
    return result
