"""Pure helpers of the compose executor (compose.py): ps rows and the since option."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils.compose import info
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError


def test_since_timestamp():
    assert info.since_timestamp(None) is None
    assert info.since_timestamp('1700000000') == 1700000000
    assert info.since_timestamp('10m', now=1000.0) == 400
    assert info.since_timestamp('1h30m', now=10000.0) == 4600
    with pytest.raises(ComposeError, match='neither a unix time nor a duration'):
        info.since_timestamp('yesterday')


def test_ps_entry_from_list_and_inspect():
    listed = {'Id': 'abc', 'Names': ['/demo-web-1'], 'Image': 'web:1', 'State': 'running', 'Status': 'Up 3 minutes (healthy)',
              'Ports': [{'IP': '127.0.0.1', 'PrivatePort': 80, 'PublicPort': 8001, 'Type': 'tcp'},
                        {'PrivatePort': 443, 'Type': 'tcp'}],
              'Labels': {'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'web',
                         'com.docker.compose.container-number': '1', 'com.docker.compose.config-hash': 'h'}}
    assert info.ps_entry(listed) == {'Name': 'demo-web-1', 'ID': 'abc', 'Service': 'web', 'Number': 1, 'Project': 'demo',
                                     'Image': 'web:1', 'State': 'running', 'Status': 'Up 3 minutes (healthy)', 'Health': 'healthy',
                                     'Ports': ['127.0.0.1:8001->80/tcp', '443/tcp'], 'ConfigHash': 'h'}
    starting = dict(listed, Status='Up 1 second (health: starting)')
    assert info.ps_entry(starting)['Health'] == 'starting'
    assert info.ps_entry(dict(listed, Status='Exited (0) 2 seconds ago (something)'))['Health'] is None
    inspected = {'Id': 'abc', 'Name': '/demo-web-1', 'State': {'Status': 'exited', 'Health': {'Status': 'unhealthy'}},
                 'Config': {'Image': 'web:1', 'Labels': listed['Labels']}}
    row = info.ps_entry(inspected)
    assert (row['Name'], row['State'], row['Health'], row['Image'], row['Service']) == ('demo-web-1', 'exited', 'unhealthy', 'web:1', 'web')


def test_ps_from_skips_one_off_and_filters_services():
    rows = [{'Id': str(n), 'Names': ['/p-%s-%d' % (svc, n)], 'State': 'running', 'Status': 'Up',
             'Labels': {'com.docker.compose.service': svc, 'com.docker.compose.container-number': str(n),
                        'com.docker.compose.oneoff': oneoff}}
            for svc, n, oneoff in (('web', 2, 'False'), ('web', 1, 'False'), ('db', 1, 'False'), ('web', 9, 'True'))]
    assert [r['Name'] for r in info.ps_from(rows)] == ['p-db-1', 'p-web-1', 'p-web-2']
    assert [r['Name'] for r in info.ps_from(rows, ['web'])] == ['p-web-1', 'p-web-2']
