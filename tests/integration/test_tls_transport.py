"""docker_host: tcp://... with TLS, against the real engine behind a mutual-TLS front."""

import pytest

from tests.conftest import free_port
from tests.support.ansible_run import run_tasks
from tests.support.tls_proxy import TLSProxy, make_pki


@pytest.fixture(scope='module')
def tls_engine(engine, tmp_path_factory):
    pki = make_pki(str(tmp_path_factory.mktemp('pki')))
    proxy = TLSProxy(pki, free_port())
    yield {'pki': pki, 'host': 'tcp://127.0.0.1:%d' % proxy.port, 'port': proxy.port}
    proxy.close()


def facts(args, env=None):
    return run_tasks([{'name': 'facts', 'berth.docker.host_info': args}], env=env)


def test_verified_mutual_tls(tls_engine):
    pki = tls_engine['pki']
    run = facts({'docker_host': tls_engine['host'], 'validate_certs': True, 'ca_path': pki + '/ca.pem',
                 'client_cert': pki + '/cert.pem', 'client_key': pki + '/key.pem'}).assert_ok()
    assert run.task('facts')['can_talk_to_docker'] is True


def test_docker_cert_path_and_tls_verify_from_environment(tls_engine):
    run = facts({}, env={'DOCKER_HOST': tls_engine['host'], 'DOCKER_TLS_VERIFY': '1',
                         'DOCKER_CERT_PATH': tls_engine['pki']}).assert_ok()
    assert run.task('facts')['engine']['version']


def test_wrong_ca_fails_with_tls_message(tls_engine, tmp_path):
    other = make_pki(str(tmp_path))
    pki = tls_engine['pki']
    run = facts({'docker_host': tls_engine['host'], 'validate_certs': True, 'ca_path': other + '/ca.pem',
                 'client_cert': pki + '/cert.pem', 'client_key': pki + '/key.pem'})
    assert run.rc != 0
    msg = run.task('facts')['msg']
    assert 'TLS with the engine at %s failed' % tls_engine['host'] in msg and 'ca_path' in msg


def test_tls_hostname_mismatch_fails(tls_engine):
    pki = tls_engine['pki']
    run = facts({'docker_host': tls_engine['host'], 'validate_certs': True, 'ca_path': pki + '/ca.pem',
                 'client_cert': pki + '/cert.pem', 'client_key': pki + '/key.pem', 'tls_hostname': 'engine.example'})
    assert run.rc != 0 and "not valid for 'engine.example'" in run.task('facts')['msg']


def test_unverified_tls_without_client_cert_is_refused_by_engine(tls_engine):
    run = facts({'docker_host': tls_engine['host'], 'tls': True})
    assert run.rc != 0
    msg = run.task('facts')['msg']
    # TLS 1.3: the refusal shows as the 'certificate required' alert, an EOF or a reset depending on
    # timing; the message must name the missing client certificate either way.
    assert 'TLS with the engine at %s failed' % tls_engine['host'] in msg
    assert 'No client certificate was presented' in msg and 'client_cert and client_key' in msg


def test_missing_tls_files_named(tls_engine, tmp_path):
    run = facts({'docker_host': tls_engine['host'], 'validate_certs': True, 'ca_path': str(tmp_path / 'nope.pem')})
    assert run.rc != 0 and 'check ca_path, client_cert and client_key' in run.task('facts')['msg']
