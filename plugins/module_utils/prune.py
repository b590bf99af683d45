# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.prune: the engine's prune endpoints, and a prediction of them for check mode.

The Engine API has no dry run for prune. In check mode the module reads ``GET /system/df``
(every container, image, volume and build cache record with its size) and the network list,
and applies the engine's own selection rules and filters to them:

- containers: not running (created, exited, dead), filters ``until``, ``label``, ``label!``;
- images: not used by any container (running or not); by default only dangling ones (no tag),
  all unused ones with ``dangling: false``; filters ``until``, ``label``, ``label!``;
- networks: not ``bridge``/``host``/``none``, no container attached, local scope; filters
  ``until``, ``label``, ``label!``;
- volumes: local driver, used by no container; from API 1.42 only anonymous ones unless
  ``all: true``; filters ``label``, ``label!`` (and ``all``);
- build cache: records not in use (without ``all``: not shared, not internal or frontend
  records), filters ``until``, ``id``, ``parent``, ``type``, ``inuse``, ``shared``,
  ``private``, and ``keep_storage`` keeping the most recently used records.

Exact for containers, networks and volumes; for images, the classic builder's untagged parent
layers that the engine removes together with a pruned image are not listed and the space is the
images' unique size; for the build cache, records freed only by pruning their children are not
counted. A filter key the engine does not know fails the check run as it fails the real one.
"""

import calendar
import json
import re
import time

from ansible_collections.berth.docker.plugins.module_utils import units
from ansible_collections.berth.docker.plugins.module_utils.api import encode_filters
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError, SpecError

KINDS = ('containers', 'images', 'networks', 'volumes')
PREDEFINED_NETWORKS = ('bridge', 'host', 'none')
ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous'
# the filters each prune endpoint accepts (the engine refuses any other)
KNOWN_FILTERS = {
    'containers': ('until', 'label', 'label!'),
    'images': ('dangling', 'until', 'label', 'label!'),
    'networks': ('until', 'label', 'label!'),
    'volumes': ('label', 'label!', 'all'),
    'builder_cache': ('until', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private'),
}
BUILD_CACHE_HIDDEN_TYPES = ('internal', 'frontend')


def normalize_filters(filters):
    """The module's filter dict -> {key: [str, ...]}, as encode_filters sends it."""
    return json.loads(encode_filters(filters)) if filters else {}


# -- the engine's filter rules, for the prediction ------------------------------------------------

def match_kv_list(values, labels):
    """True when every ``key`` / ``key=value`` of ``values`` matches ``labels`` (no values: True)."""
    if not values:
        return True
    labels = labels or {}
    if not labels:
        return False
    for value in values:
        key, sep, expected = value.partition('=')
        if key not in labels or (sep and labels[key] != expected):
            return False
    return True


def match_labels(filters, labels):
    """The prune endpoints' label rule: every ``label`` matches, and not every ``label!`` does."""
    if not match_kv_list(filters.get('label'), labels):
        return False
    if filters.get('label!') and match_kv_list(filters['label!'], labels):
        return False
    return True


def parse_time(text):
    """An RFC 3339 time as the engine writes it ('2026-01-05T10:11:12.123456789+01:00') -> epoch
    seconds, or None."""
    if not text:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    match = re.match(r'^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?\s*(Z|[+-]\d\d:?\d\d)?$',
                     str(text).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    seconds = calendar.timegm((int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                               int(second or 0), 0, 0, 0))
    if fraction:
        seconds += float('0.' + fraction)
    if zone and zone != 'Z':
        sign = -1 if zone[0] == '+' else 1
        digits = zone[1:].replace(':', '')
        seconds += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds


def until_timestamp(value, now):
    """The ``until`` filter (a Go duration before now, a Unix time, or an RFC 3339 date) -> epoch seconds."""
    text = str(value).strip()
    if re.match(r'^\d+(\.\d+)?$', text):
        return float(text)
    parsed = parse_time(text)
    if parsed is not None:
        return parsed
    try:
        return now - units.parse_duration(text, 'until') / 1e9
    except SpecError:
        raise DockerError('cannot read the until filter %r: write a duration such as 24h or 10m, '
                          'a Unix time, or a date such as 2026-01-05T10:00:00Z' % (value,))


def created_before(filters, created, now):
    """Whether an object created at ``created`` (epoch seconds) passes the ``until`` filter."""
    until = filters.get('until')
    if not until:
        return True
    if created is None:
        return True
    limit = min(until_timestamp(u, now) for u in until)
    return created <= limit


def check_known(kind, filters):
    unknown = sorted(set(filters) - set(KNOWN_FILTERS[kind]))
    if unknown:
        raise DockerError('%s_filters: the engine does not know the filter %s; it knows %s'
                          % (kind, ', '.join(unknown), ', '.join(KNOWN_FILTERS[kind])))


def bool_filter(kind, filters, key):
    """A true/false filter (dangling, all, inuse, ...) -> True, False, or None when not given."""
    values = filters.get(key)
    if not values:
        return None
    value = values[-1].lower()
    if value in ('true', '1'):
        return True
    if value in ('false', '0'):
        return False
    raise DockerError('%s_filters: %s must be true or false, not %r' % (kind, key, values[-1]))


# -- prediction -------------------------------------------------------------------------------

def predict_containers(df, filters, now):
    gone, space = [], 0
    for c in df.get('Containers') or []:
        if c.get('State') not in ('created', 'exited', 'dead'):
            continue
        if not created_before(filters, c.get('Created'), now) or not match_labels(filters, c.get('Labels')):
            continue
        gone.append(c['Id'])
        space += c.get('SizeRw') or 0
    return {'containers': gone, 'containers_space_reclaimed': space}


def predict_images(df, filters, now):
    dangling_only = bool_filter('images', filters, 'dangling')
    dangling_only = True if dangling_only is None else dangling_only
    used = set(c.get('ImageID') for c in df.get('Containers') or [])
    deleted, space = [], 0
    for image in df.get('Images') or []:
        if image['Id'] in used or (image.get('Containers') or 0) > 0:
            continue
        tags = [t for t in image.get('RepoTags') or [] if t != '<none>:<none>']
        if dangling_only and tags:
            continue
        if not created_before(filters, image.get('Created'), now) or not match_labels(filters, image.get('Labels')):
            continue
        digests = [d for d in image.get('RepoDigests') or [] if d != '<none>@<none>']
        deleted.extend({'Untagged': ref} for ref in tags + digests)
        deleted.append({'Deleted': image['Id']})
        shared = image.get('SharedSize')
        space += (image.get('Size') or 0) - (shared if shared and shared > 0 else 0)
    return {'images': deleted, 'images_space_reclaimed': space}


def predict_networks(client, filters, now):
    gone = []
    for summary in client.get('/networks') or []:
        name = summary.get('Name')
        if name in PREDEFINED_NETWORKS or summary.get('Ingress') or summary.get('Scope') not in (None, 'local'):
            continue
        if not created_before(filters, parse_time(summary.get('Created')), now):
            continue
        if not match_labels(filters, summary.get('Labels')):
            continue
        network = client.inspect('network', summary['Id'])
        if network is None or network.get('Containers'):
            continue
        gone.append(name)
    return {'networks': gone}


def predict_volumes(client, df, filters):
    everything = bool_filter('volumes', filters, 'all')
    anonymous_only = client.supports('1.42') and not everything
    gone, space = [], 0
    for volume in df.get('Volumes') or []:
        usage = volume.get('UsageData') or {}
        labels = volume.get('Labels') or {}
        if volume.get('Driver') != 'local' or usage.get('RefCount', 0) > 0:
            continue
        if anonymous_only and ANONYMOUS_VOLUME_LABEL not in labels:
            continue
        if not match_labels(filters, labels):
            continue
        gone.append(volume['Name'])
        space += max(usage.get('Size') or 0, 0)
    return {'volumes': gone, 'volumes_space_reclaimed': space}


def _pattern_matches(pattern, text):
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def build_record_matches(record, filters, now):
    """The engine hands each build cache filter to BuildKit with one value: ``id`` as a regular
    expression (``id~=``), the others as exact matches (``key==value``); ``until`` by last use."""
    for key, values in filters.items():
        if len(values) > 1:
            raise DockerError('builder_cache_filters: %s takes one value, not %d' % (key, len(values)))
    for key, field in (('id', 'ID'), ('parent', 'Parent'), ('type', 'Type'), ('description', 'Description')):
        wanted = filters.get(key)
        if not wanted:
            continue
        have = record.get(field) or ''
        if key == 'parent' and not have and record.get('Parents'):
            have = record['Parents'][0]
        if not (_pattern_matches(wanted[0], have) if key == 'id' else have == wanted[0]):
            return False
    for key, field in (('inuse', 'InUse'), ('shared', 'Shared')):
        flag = bool_filter('builder_cache', filters, key)
        if flag is not None and bool(record.get(field)) != flag:
            return False
    private = bool_filter('builder_cache', filters, 'private')
    if private is not None and bool(record.get('Shared')) == private:
        return False
    last_used = parse_time(record.get('LastUsedAt')) or parse_time(record.get('CreatedAt'))
    return created_before(filters, last_used, now)


def predict_builder_cache(df, filters, everything, keep_storage, now):
    records = df.get('BuildCache') or []
    candidates = []
    for record in records:
        if record.get('InUse'):
            continue
        if not everything and (record.get('Shared') or record.get('Type') in BUILD_CACHE_HIDDEN_TYPES):
            continue
        if build_record_matches(record, filters, now):
            candidates.append(record)
    if keep_storage:
        total = sum(r.get('Size') or 0 for r in records)
        candidates.sort(key=lambda r: parse_time(r.get('LastUsedAt')) or parse_time(r.get('CreatedAt')) or 0)
        chosen = []
        for record in candidates:
            if total <= keep_storage:
                break
            chosen.append(record)
            total -= record.get('Size') or 0
        candidates = chosen
    return {'builder_cache_caches_deleted': [r['ID'] for r in candidates],
            'builder_cache_space_reclaimed': sum(r.get('Size') or 0 for r in candidates)}


# -- the real prune -------------------------------------------------------------------------

def prune_kind(client, kind, filters):
    answer = client.post('/%s/prune' % kind, {'filters': encode_filters(filters) if filters else None},
                         what='%s prune' % kind) or {}
    removed = answer.get('%sDeleted' % kind.capitalize()) or []
    result = {kind: removed}
    if kind != 'networks':
        result['%s_space_reclaimed' % kind] = answer.get('SpaceReclaimed') or 0
    return result


def prune_builder_cache(client, filters, everything, keep_storage):
    params = {'filters': encode_filters(filters) if filters else None}
    if everything:
        params['all'] = True
    if keep_storage is not None:
        params['keep-storage'] = keep_storage
    answer = client.post('/build/prune', params, what='build cache prune') or {}
    result = {'builder_cache_space_reclaimed': answer.get('SpaceReclaimed') or 0}
    if 'CachesDeleted' in answer or client.supports('1.39'):
        result['builder_cache_caches_deleted'] = answer.get('CachesDeleted') or []
    return result


def changed_by(result):
    return any(value for key, value in result.items()
               if key in KINDS or key.endswith('_space_reclaimed') or key == 'builder_cache_caches_deleted')


def check_api(client, params):
    """Fail before anything is removed when an option needs a newer Engine API than the one in use
    (an engine that silently ignored a filter would prune more than asked)."""
    for kind in KINDS:
        if params[kind]:
            used = set(normalize_filters(params.get('%s_filters' % kind))) & set(('until', 'label', 'label!'))
            if used:
                client.require('1.28', '%s_filters %s' % (kind, ' and '.join(sorted(used))))
    if params['builder_cache']:
        client.require('1.31', 'builder_cache')
        for option in ('builder_cache_all', 'builder_cache_filters', 'builder_cache_keep_storage'):
            if params.get(option):
                client.require('1.39', option)
    if params['volumes'] and 'all' in normalize_filters(params.get('volumes_filters')):
        client.require('1.42', 'volumes_filters all')


def run_prune(module, client):
    params = module.params
    check_api(client, params)
    try:
        keep_storage = units.parse_size(params.get('builder_cache_keep_storage'), 'builder_cache_keep_storage')
    except SpecError as exc:
        raise DockerError(exc.msg)
    filters = dict((kind, normalize_filters(params.get('%s_filters' % kind))) for kind in KINDS + ('builder_cache',))
    result = {}
    if module.check_mode:
        wanted = [kind for kind in KINDS + ('builder_cache',) if params[kind]]
        for kind in wanted:
            if kind != 'builder_cache':
                check_known(kind, filters[kind])
        unknown_build = sorted(set(filters['builder_cache']) - set(KNOWN_FILTERS['builder_cache']))
        if params['builder_cache'] and unknown_build:
            module.warn('check mode ignores the build cache filter %s it does not know; the prediction may list '
                        'more records than the real run removes' % ', '.join(unknown_build))
        now = time.time()
        df = (client.get('/system/df') or {}) if set(wanted) - {'networks'} else {}
        if params['containers']:
            result.update(predict_containers(df, filters['containers'], now))
        if params['images']:
            result.update(predict_images(df, filters['images'], now))
        if params['networks']:
            result.update(predict_networks(client, filters['networks'], now))
        if params['volumes']:
            result.update(predict_volumes(client, df, filters['volumes']))
        if params['builder_cache']:
            result.update(predict_builder_cache(df, filters['builder_cache'], params['builder_cache_all'],
                                                keep_storage, now))
    else:
        for kind in KINDS:
            if params[kind]:
                result.update(prune_kind(client, kind, filters[kind]))
        if params['builder_cache']:
            result.update(prune_builder_cache(client, filters['builder_cache'], params['builder_cache_all'],
                                              keep_storage))
    result['changed'] = changed_by(result)
    return result
