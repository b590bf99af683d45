# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes for berth.docker.volume: a pure comparison helper and the orchestration."""

from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils.api import Conflict, DockerError, NotFound, encode_filters
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options
from ansible_collections.berth.docker.plugins.module_utils.common import ResourceManager, check_labels


def volume_differences(params, volume):
    """[{'option', 'before', 'after'}]: driver, driver_options, labels that differ (labels and
    options the engine or others added do not count)."""
    diffs = []
    driver = params.get('driver') or 'local'
    if volume.get('Driver') != driver:
        diffs.append({'option': 'driver', 'before': volume.get('Driver'), 'after': driver})
    for option, key in (('driver_options', 'Options'), ('labels', 'Labels')):
        want = dict((str(k), str(v)) for k, v in (params.get(option) or {}).items())
        have = volume.get(key) or {}
        if any(have.get(k) != v for k, v in want.items()):
            diffs.append({'option': option, 'before': have, 'after': want})
    return diffs


def volume_body(params):
    body = {'Name': params['name'], 'Driver': params.get('driver') or 'local'}
    if params.get('driver_options'):
        body['DriverOpts'] = dict((str(k), str(v)) for k, v in params['driver_options'].items())
    if params.get('labels'):
        body['Labels'] = dict((str(k), str(v)) for k, v in params['labels'].items())
    return body


class VolumeManager(ResourceManager):
    kind = 'volume'

    def users(self):
        found = self.client.get('/containers/json', params={'all': 1, 'filters': encode_filters({'volume': self.name})}) or []
        return sorted(c['Names'][0].lstrip('/') for c in found if c.get('Names'))

    def run(self):
        check_labels(self.p.get('labels'))
        volume = self.client.inspect('volume', self.name)
        if self.p['state'] == 'absent':
            if volume is not None:
                users = self.users()
                if users:
                    raise DockerError('volume %s is in use by containers %s; remove those containers first (berth.docker.container '
                                      'state: absent)' % (self.name, ', '.join(users)))
                self.actions.append('remove')
                self.diff = {'before': {'state': 'present'}, 'after': {'state': 'absent'}}
        elif volume is None:
            self.actions.append('create')
            self.diff = {'before': {'state': 'absent'}, 'after': {'state': 'present'}}
        else:
            diffs = volume_differences(self.p, volume)
            recreate = self.p['recreate']
            if diffs:
                self.diff_options(diffs)
            if recreate == 'always' or (recreate == 'options-changed' and diffs):
                users = self.users()
                if users:
                    raise DockerError('volume %s must be recreated (recreate: %s) but containers use it: %s; remove those '
                                      'containers first' % (self.name, recreate, ', '.join(users)))
                self.actions.append('recreate')
            elif diffs:
                self.module.warn('volume %s differs in %s, but recreate is never, so it is kept as it is; set recreate: '
                                 'options-changed to recreate it (its data is lost)' % (self.name, ', '.join(d['option'] for d in diffs)))
                self.diff = {'before': {}, 'after': {}}
        self.result['changed'] = bool(self.actions)
        if self.module.check_mode or not self.actions:
            return self.finish(volume)
        if 'remove' in self.actions or 'recreate' in self.actions:
            try:
                self.client.delete('/volumes/%s' % quote(self.name, safe=''), what='volume %s' % self.name)
            except NotFound:
                pass
            except Conflict as exc:
                raise DockerError('volume %s is in use (%s): %s; remove those containers first'
                                  % (self.name, exc.msg, ', '.join(self.users()) or 'unknown containers'))
        if self.p['state'] == 'absent':
            return self.finish(None)
        created = self.client.post('/volumes/create', body=volume_body(self.p), what='volume %s' % self.name)
        return self.finish(created)


def run_volume(module, client):
    if module.params['state'] != 'absent':
        check_options(client, 'volume', module.params)
    return VolumeManager(module, client).run()
