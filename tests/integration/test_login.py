"""berth.docker.login against a real registry (docker-registry with htpasswd auth); the docker
CLI reads what the module wrote."""

import base64
import json
import os
import stat

import pytest

from tests.conftest import free_port
from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks
from tests.support.registry import docker_config, registry  # noqa: F401 pylint: disable=unused-import


def login_task(reg, config_path, password=None, name='login', **extra):
    args = {'registry_url': reg.host, 'username': reg.username,
            'password': reg.password if password is None else password, 'config_path': config_path}
    args.update(extra)
    return {'name': name, 'berth.docker.login': args}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
def test_login_four_step_writes_a_0600_cli_compatible_config(engine, prefix, busybox_image, registry, docker_config):  # noqa: F811
    path = os.path.join(docker_config, 'config.json')
    # an existing file with other settings: they are kept
    with open(path, 'w') as handle:
        json.dump({'auths': {'other.example:5000': {'auth': base64.b64encode(b'o:p').decode()}}, 'psFormat': 'x'}, handle)
    runs = four_step([login_task(registry, path)], diff=True)
    for run in runs:
        assert registry.password not in run.output, 'the password must never be logged'
    assert runs[1].task('login')['login_result']['status'] == 'Login Succeeded'
    assert runs[3].task('login')['actions'] == []
    assert mode(path) == 0o600
    config = json.load(open(path))
    assert config['psFormat'] == 'x' and 'other.example:5000' in config['auths']
    stored = base64.b64decode(config['auths'][registry.host]['auth']).decode()
    assert stored == '%s:%s' % (registry.username, registry.password)
    # the docker CLI uses these credentials: a push through the CLI succeeds
    env = dict(docker_cli.ENV, DOCKER_CONFIG=docker_config)
    witness = registry.ref(prefix + 'cli-witness:1')
    docker_cli.docker('tag', busybox_image, witness)
    proc = __import__('subprocess').run(['docker', 'push', witness], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr

    # reauthorize verifies again against the registry; the stored file stays as it is
    run = run_tasks([login_task(registry, path, reauthorize=True)]).assert_ok()
    assert not run.changed and run.task('login')['login_result']['status'] == 'Login Succeeded'


def test_wrong_password_fails_clearly_and_writes_nothing(engine, registry, docker_config):  # noqa: F811
    path = os.path.join(docker_config, 'config.json')
    run = run_tasks([login_task(registry, path, password='wrong-' + registry.password)])
    assert run.rc != 0
    msg = run.task('login')['msg']
    assert 'rejected user %s' % registry.username in msg and 'Nothing was written' in msg
    assert not os.path.exists(path)
    # with good credentials stored, a wrong password leaves the file byte for byte as it was
    run_tasks([login_task(registry, path)]).assert_ok()
    before = open(path, 'rb').read()
    run = run_tasks([login_task(registry, path, password='wrong')], check=False)
    assert run.rc != 0 and open(path, 'rb').read() == before
    # check mode verifies too
    run = run_tasks([login_task(registry, path, password='wrong')], check=True)
    assert run.rc != 0 and open(path, 'rb').read() == before


def test_registry_down_is_a_clear_error(engine, registry, docker_config):  # noqa: F811
    path = os.path.join(docker_config, 'config.json')
    task = {'name': 'login', 'berth.docker.login': {
        'registry_url': '127.0.0.1:%d' % free_port(), 'username': 'u', 'password': 'p', 'config_path': path}}
    run = run_tasks([task])
    assert run.rc != 0
    assert 'cannot be reached' in run.task('login')['msg'] and 'connection refused' in run.task('login')['msg']
    assert not os.path.exists(path)


@pytest.mark.slow
def test_logout_four_step_keeps_other_entries(engine, registry, docker_config):  # noqa: F811
    path = os.path.join(docker_config, 'config.json')
    run_tasks([login_task(registry, path)]).assert_ok()
    config = json.load(open(path))
    config['auths']['other.example:5000'] = {'auth': base64.b64encode(b'o:p').decode()}
    with open(path, 'w') as handle:
        json.dump(config, handle)
    logout = {'name': 'logout', 'berth.docker.login': {'registry_url': 'http://%s/v2/' % registry.host,
                                                       'state': 'absent', 'config_path': path}}
    runs = four_step([logout])
    assert runs[1].task('logout')['registry'] == registry.host
    config = json.load(open(path))
    assert registry.host not in config['auths'] and 'other.example:5000' in config['auths']
    assert mode(path) == 0o600


def test_bad_config_files_are_left_untouched(engine, registry, docker_config):  # noqa: F811
    path = os.path.join(docker_config, 'config.json')
    with open(path, 'w') as handle:
        handle.write('{"auths": ')
    run = run_tasks([login_task(registry, path)])
    assert run.rc != 0 and 'not valid JSON' in run.task('login')['msg']
    assert open(path).read() == '{"auths": '
    with open(path, 'w') as handle:
        json.dump({'credsStore': 'desktop'}, handle)
    run = run_tasks([login_task(registry, path)])
    assert run.rc != 0 and 'docker-credential-desktop' in run.task('login')['msg']
    run = run_tasks([{'name': 'login', 'berth.docker.login': {'registry_url': registry.host, 'username': 'u',
                                                              'config_path': path}}])
    assert run.rc != 0 and 'password' in run.task('login')['msg']


@pytest.fixture
def pass_store(tmp_path):
    """A real docker credential helper: docker-credential-pass over a pass store and a GnuPG home
    of the test's own (a key without passphrase). Returns the environment the helper needs."""
    import shutil
    import subprocess
    from tests.support.ansible_run import BIN, ROOT
    helpers = os.path.join(ROOT, '.berth', 'credential-helpers')
    if not os.access(os.path.join(helpers, 'docker-credential-pass'), os.X_OK) or not shutil.which('pass'):
        pytest.fail('docker-credential-pass (in .berth/credential-helpers) or pass is missing: run tools/ensure-deps.sh')
    home = tmp_path / 'gnupg'
    home.mkdir(mode=0o700)
    # the helper is on PATH for these runs only: on the machine's PATH the docker CLI would make it
    # its default store for every login
    path = os.pathsep.join([helpers, BIN, os.environ.get('PATH', '')])
    env = dict(os.environ, GNUPGHOME=str(home), PASSWORD_STORE_DIR=str(tmp_path / 'store'), PATH=path)
    subprocess.run(['gpg', '--batch', '--quiet', '--passphrase', '', '--quick-gen-key', 'berth test <test@berth.invalid>',
                    'default', 'default', 'never'], env=env, check=True, capture_output=True)
    listing = subprocess.run(['gpg', '--batch', '--list-keys', '--with-colons'], env=env, check=True,
                             capture_output=True, text=True).stdout
    fingerprint = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
    subprocess.run(['pass', 'init', fingerprint], env=env, check=True, capture_output=True)
    yield {'GNUPGHOME': env['GNUPGHOME'], 'PASSWORD_STORE_DIR': env['PASSWORD_STORE_DIR'], 'PATH': path}
    subprocess.run(['gpgconf', '--kill', 'gpg-agent'], env=env, check=False, capture_output=True)


@pytest.mark.slow
def test_credential_helper_stores_reads_and_erases(engine, prefix, busybox_image, registry, docker_config, pass_store):  # noqa: F811
    """With "credsStore": "pass" the password goes to docker-credential-pass (config.json only lists
    the registry, as the docker CLI writes it), pulls use it, and state=absent erases it."""
    import subprocess
    path = os.path.join(docker_config, 'config.json')
    with open(path, 'w') as handle:
        json.dump({'credsStore': 'pass'}, handle)
    env = dict(pass_store, DOCKER_CONFIG=docker_config)
    runs = four_step([login_task(registry, path)], env=env)
    assert runs[1].task('login')['credential_helper'] == 'pass'
    for run in runs:
        assert registry.password not in run.output
    config = json.load(open(path))
    assert config == {'credsStore': 'pass', 'auths': {registry.host: {}}}
    helper_env = dict(os.environ, **pass_store)
    stored = json.loads(subprocess.run(['docker-credential-pass', 'get'], input=registry.host, env=helper_env,
                                       capture_output=True, text=True, check=True).stdout)
    assert (stored['Username'], stored['Secret']) == (registry.username, registry.password)

    # pushes and pulls authenticate with what the helper holds
    ref = registry.ref(prefix + 'helper:1')
    docker_cli.docker('tag', busybox_image, ref)
    run_tasks([{'name': 'push', 'berth.docker.image': {'name': ref, 'source': 'local', 'push': True}}], env=env).assert_ok()
    docker_cli.docker('rmi', ref)
    run = run_tasks([{'name': 'pull', 'berth.docker.image': {'name': ref, 'source': 'pull'}}], env=env).assert_ok()
    assert run.changed and docker_cli.exists('image', ref)

    # a wrong password never reaches the helper
    run = run_tasks([login_task(registry, path, password='wrong-' + registry.password)], env=env)
    assert run.rc != 0 and 'rejected user' in run.task('login')['msg']
    assert json.loads(subprocess.run(['docker-credential-pass', 'get'], input=registry.host, env=helper_env,
                                     capture_output=True, text=True, check=True).stdout)['Secret'] == registry.password

    runs = four_step([login_task(registry, path, state='absent')], env=env)
    gone = subprocess.run(['docker-credential-pass', 'get'], input=registry.host, env=helper_env,
                          capture_output=True, text=True, check=False)
    # docker-credential-pass 0.6 answers an erased entry with empty fields, newer ones with an error
    assert gone.returncode != 0 or json.loads(gone.stdout)['Secret'] == ''
    assert registry.host not in json.load(open(path)).get('auths', {})
