"""berth.docker.prune on the real engine. Every prune here is narrowed by a label carrying the test's
random prefix, so it only ever removes what the test made (other tests run at the same time on the
same engine). Check mode must predict exactly what the real run then removes."""

import json

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import build_image, task
from tests.support.docker_cli import docker, exists, inspect

LABEL = 'berth.test.prefix'


def api_version():
    return tuple(int(p) for p in docker('version', '--format', '{{.Server.APIVersion}}').stdout.strip().split('.'))


def mine(prefix):
    return '%s=%s' % (LABEL, prefix)


def same_lists(predicted, real, keys):
    for key in keys:
        a = sorted(json.dumps(x, sort_keys=True) for x in predicted[key])
        b = sorted(json.dumps(x, sort_keys=True) for x in real[key])
        assert a == b, 'check mode predicted %s %s, the real run removed %s' % (key, a, b)


def test_containers_networks_volumes(prefix, busybox_image):
    label = mine(prefix)
    # removed: a created and an exited container, an unused network and volume, all labelled
    created = docker('create', '--label', label, '--name', prefix + 'created', busybox_image, 'true').stdout.strip()
    exited = docker('create', '--label', label, '--name', prefix + 'exited', busybox_image, 'true').stdout.strip()
    docker('start', '-a', prefix + 'exited')
    docker('network', 'create', '--label', label, prefix + 'unused')
    docker('volume', 'create', '--label', label, prefix + 'unused')
    docker('run', '--rm', '-v', prefix + 'unused:/d', busybox_image, 'sh', '-c', 'head -c 65536 /dev/zero > /d/blob')
    anonymous = docker('volume', 'create', '--label', label).stdout.strip()
    # kept: a running container and the network and volume it uses; a stopped container with label! keep;
    # a stopped container without the label
    docker('network', 'create', '--label', label, prefix + 'used')
    docker('volume', 'create', '--label', label, prefix + 'used')
    docker('run', '-d', '--init', '--label', label, '--name', prefix + 'running', '--network', prefix + 'used',
           '-v', prefix + 'used:/d', busybox_image, 'sleep', '600')
    docker('create', '--label', label, '--label', 'keep=1', '--name', prefix + 'kept', busybox_image, 'true')
    docker('create', '--name', prefix + 'other', busybox_image, 'true')

    volumes_filters = {'label': [label]}
    if api_version() >= (1, 42):
        volumes_filters['all'] = True  # named volumes too, as engines before API 1.42 always do
    args = {'containers': True, 'containers_filters': {'label': [label], 'label!': 'keep=1'},
            'networks': True, 'networks_filters': {'label': label},
            'volumes': True, 'volumes_filters': volumes_filters}
    runs = four_step([task('prune', args)])
    predicted, real = runs[0].task('t'), runs[1].task('t')
    assert sorted(real['containers']) == sorted([created, exited])
    assert real['networks'] == [prefix + 'unused']
    assert sorted(real['volumes']) == sorted([prefix + 'unused', anonymous])
    same_lists(predicted, real, ('containers', 'networks', 'volumes'))
    for key in ('containers_space_reclaimed', 'volumes_space_reclaimed'):
        assert isinstance(real[key], int) and predicted[key] == real[key], (key, predicted[key], real[key])
    assert real['volumes_space_reclaimed'] >= 65536  # the blob in the named volume
    again = runs[3].task('t')
    assert again['containers'] == [] and again['networks'] == [] and again['volumes'] == []
    assert again['containers_space_reclaimed'] == 0 and again['volumes_space_reclaimed'] == 0
    for name in ('running', 'kept', 'other'):
        assert exists('container', prefix + name), name
    assert exists('network', prefix + 'used') and exists('volume', prefix + 'used')
    assert not exists('network', prefix + 'unused') and not exists('volume', prefix + 'unused')


def test_until_keeps_new_containers(prefix, busybox_image):
    label = mine(prefix)
    docker('create', '--label', label, '--name', prefix + 'new', busybox_image, 'true')
    args = {'containers': True, 'containers_filters': {'label': label, 'until': '1h'},
            'networks': True, 'networks_filters': {'label': label, 'until': '1h'}}
    docker('network', 'create', '--label', label, prefix + 'new')
    four_step([task('prune', args)], expect_changed=False)
    assert exists('container', prefix + 'new') and exists('network', prefix + 'new')
    # a date in the future selects them
    args['containers_filters']['until'] = args['networks_filters']['until'] = '2999-01-01T00:00:00Z'
    runs = four_step([task('prune', args)])
    assert runs[0].task('t')['networks'] == runs[1].task('t')['networks'] == [prefix + 'new']
    assert not exists('container', prefix + 'new')


def test_images(prefix, busybox_image):
    label = mine(prefix)
    repo = prefix + 'img'
    # one LABEL instruction each: no untagged intermediate layers, so the prediction can be exact
    old = build_image(repo + ':1', 'FROM %s\nLABEL %s n=old\n' % (busybox_image, label))
    new = build_image(repo + ':1', 'FROM %s\nLABEL %s n=new\n' % (busybox_image, label))  # old is now dangling
    used = build_image(repo + ':used', 'FROM %s\nLABEL %s n=used\n' % (busybox_image, label))
    docker('create', '--name', prefix + 'user', used, 'true')
    assert inspect('image', old)['RepoTags'] == []

    runs = four_step([task('prune', {'images': True, 'images_filters': {'label': label}})])
    predicted, real = runs[0].task('t'), runs[1].task('t')
    assert real['images'] == [{'Deleted': old}], real['images']
    same_lists(predicted, real, ('images',))
    assert runs[3].task('t')['images'] == [] and runs[3].task('t')['images_space_reclaimed'] == 0
    assert not exists('image', old) and exists('image', new)

    runs = four_step([task('prune', {'images': True, 'images_filters': {'label': label, 'dangling': False}})])
    predicted, real = runs[0].task('t'), runs[1].task('t')
    assert {'Untagged': repo + ':1'} in real['images'] and {'Deleted': new} in real['images']
    same_lists(predicted, real, ('images',))
    assert not exists('image', new) and exists('image', used)  # a stopped container still uses it


def test_builder_cache_scoped_to_nothing(prefix):
    """The build cache has no labels: filter on an ID no record has, so nothing of anyone else's goes."""
    args = {'builder_cache': True, 'builder_cache_all': True, 'builder_cache_keep_storage': '1MB',
            'builder_cache_filters': {'id': prefix + 'no-such-record', 'until': '10m'}}
    runs = four_step([task('prune', args)], expect_changed=False)
    for run in runs:
        result = run.task('t')
        assert result['builder_cache_space_reclaimed'] == 0 and result['builder_cache_caches_deleted'] == []


def test_clear_failures(prefix):
    for check in (True, False):
        run = run_tasks([task('prune', {'containers': True, 'containers_filters': {'label': mine(prefix), 'bogus': 'x'}})],
                        check=check)
        assert run.rc != 0 and 'bogus' in run.task('t')['msg'], run.task('t')
    run = run_tasks([task('prune', {'builder_cache': True, 'api_version': '1.30'})])
    assert run.rc != 0 and 'needs Engine API 1.31' in run.task('t')['msg'], run.task('t')
    # label filters came with API 1.28: refused below it (an engine ignoring them would prune everything)
    for check in (True, False):
        run = run_tasks([task('prune', {'containers': True, 'containers_filters': {'label': mine(prefix)},
                                        'api_version': '1.25'})], check=check)
        assert run.rc != 0 and 'needs Engine API 1.28' in run.task('t')['msg'], run.task('t')
    run = run_tasks([task('prune', {'builder_cache': True, 'builder_cache_keep_storage': 'lots'})], check=True)
    assert run.rc != 0 and 'builder_cache_keep_storage' in run.task('t')['msg'], run.task('t')


# -- the prediction's rules on made-up engine data (no engine needed) ------------------------------

def test_prediction_rules_without_engine():
    from ansible_collections.berth.docker.plugins.module_utils import prune

    # label: every entry must match; label!: kept only when every entry matches
    assert prune.match_labels({'label': ['a', 'b=2']}, {'a': 'x', 'b': '2'})
    assert not prune.match_labels({'label': ['a', 'b=2']}, {'a': 'x', 'b': '3'})
    assert not prune.match_labels({'label!': ['keep']}, {'keep': '1'})
    assert prune.match_labels({'label!': ['keep', 'also']}, {'keep': '1'})
    assert not prune.match_labels({'label': ['a']}, {})
    # until: durations, Unix times, dates with zones and nanoseconds
    now = 1767607200.0  # 2026-01-05T10:00:00Z
    assert prune.until_timestamp('10m', now) == now - 600
    assert prune.until_timestamp('1767600000', now) == 1767600000
    assert prune.parse_time('2026-01-05T11:00:00.123456789+01:00') == now + 0.123456789
    assert prune.until_timestamp('2026-01-05T10:00:00Z', now) == now
    df = {'Containers': [
        {'Id': 'old', 'State': 'exited', 'Created': now - 7200, 'Labels': {}, 'SizeRw': 5},
        {'Id': 'new', 'State': 'exited', 'Created': now - 60, 'Labels': {}, 'SizeRw': 7},
        {'Id': 'up', 'State': 'running', 'Created': now - 7200, 'Labels': {}, 'SizeRw': 9},
        {'Id': 'paused', 'State': 'paused', 'Created': now - 7200, 'Labels': {}, 'SizeRw': 9}]}
    assert prune.predict_containers(df, {'until': ['1h']}, now) == {
        'containers': ['old'], 'containers_space_reclaimed': 5}
    # build cache: in-use, shared and internal records stay without all; keep_storage trims oldest first
    records = [
        {'ID': 'a', 'Size': 100, 'LastUsedAt': '2026-01-01T00:00:00Z', 'Type': 'regular'},
        {'ID': 'b', 'Size': 100, 'LastUsedAt': '2026-01-03T00:00:00Z', 'Type': 'regular'},
        {'ID': 'c', 'Size': 100, 'LastUsedAt': '2026-01-02T00:00:00Z', 'Type': 'regular', 'Shared': True},
        {'ID': 'd', 'Size': 100, 'InUse': True, 'Type': 'regular'},
        {'ID': 'e', 'Size': 100, 'LastUsedAt': '2026-01-02T00:00:00Z', 'Type': 'internal'}]
    guess = prune.predict_builder_cache({'BuildCache': records}, {}, False, None, now)
    assert guess == {'builder_cache_caches_deleted': ['a', 'b'], 'builder_cache_space_reclaimed': 200}
    guess = prune.predict_builder_cache({'BuildCache': records}, {}, True, 250, now)
    assert guess['builder_cache_caches_deleted'] == ['a', 'c', 'e']  # 500 -> 200, least recently used first
    guess = prune.predict_builder_cache({'BuildCache': records}, {'id': ['nothing']}, True, None, now)
    assert guess['builder_cache_caches_deleted'] == []
    guess = prune.predict_builder_cache({'BuildCache': records}, {'id': ['^[ab]$']}, True, None, now)
    assert guess['builder_cache_caches_deleted'] == ['a', 'b']  # id is a regular expression, as in BuildKit
    guess = prune.predict_builder_cache({'BuildCache': records}, {'type': ['internal']}, True, None, now)
    assert guess['builder_cache_caches_deleted'] == ['e']
