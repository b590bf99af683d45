# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Networks for berth.docker.network: pure comparison helpers (network_body, network_differences)
and the orchestration (create / recreate with force / connect / disconnect / remove)."""

import ipaddress
from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils.api import APIError, DockerError, NotFound
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options
from ansible_collections.berth.docker.plugins.module_utils.common import ResourceManager, check_labels
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError

PREDEFINED = ('bridge', 'host', 'none')
# the boolean options and their field in the create body and the inspect data
FLAGS = (('internal', 'Internal'), ('attachable', 'Attachable'), ('enable_ipv4', 'EnableIPv4'),
         ('enable_ipv6', 'EnableIPv6'), ('config_only', 'ConfigOnly'), ('ingress', 'Ingress'))


def _q(name):
    return quote(name, safe='')


# the module's own options (modules/network.py documents them)
NETWORK_SPEC = dict(
    name=dict(type='str', required=True, aliases=['network_name']),
    state=dict(type='str', default='present', choices=['absent', 'present']),
    driver=dict(type='str', default='bridge'),
    driver_options=dict(type='dict'),
    ipam_driver=dict(type='str'),
    ipam_driver_options=dict(type='dict'),
    ipam_config=dict(type='list', elements='dict', options=dict(
        subnet=dict(type='str'),
        gateway=dict(type='str'),
        iprange=dict(type='str'),
        aux_addresses=dict(type='dict'),
    )),
    internal=dict(type='bool'),
    attachable=dict(type='bool'),
    enable_ipv4=dict(type='bool'),
    enable_ipv6=dict(type='bool'),
    scope=dict(type='str', choices=['local', 'global', 'swarm']),
    config_only=dict(type='bool'),
    config_from=dict(type='str'),
    ingress=dict(type='bool'),
    labels=dict(type='dict'),
    connected=dict(type='list', elements='str', aliases=['containers']),
    appends=dict(type='bool', default=False, aliases=['incremental']),
    force=dict(type='bool', default=False),
    debug=dict(type='bool', default=False),
)


def _strings(mapping):
    return dict((str(k), str(v)) for k, v in (mapping or {}).items())


def _option_strings(mapping):
    """Driver options as the engine keeps them: strings, booleans as true / false."""
    return dict((str(k), ('true' if v else 'false') if isinstance(v, bool) else str(v)) for k, v in (mapping or {}).items())


IPAM_KEYS = (('subnet', 'Subnet'), ('gateway', 'Gateway'), ('iprange', 'IPRange'), ('aux_addresses', 'AuxiliaryAddresses'))


def _canonical_address(value):
    """An address or network in one spelling (fdd1:0557::/64 and fdd1:557::/64 are the same)."""
    text = str(value)
    try:
        if '/' in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _canonical_ipam(entry):
    """An IPAM Config entry (engine field names) with its addresses in one spelling."""
    result = {}
    for _key, api in IPAM_KEYS:
        value = entry.get(api)
        if not value:
            continue
        if isinstance(value, dict):
            result[api] = dict((str(k), _canonical_address(v)) for k, v in value.items())
        else:
            result[api] = _canonical_address(value)
    return result


def ipam_differences(wanted, existing):
    """The IPAM entries of ``wanted`` (normalize_ipam) that no entry of ``existing`` (the engine's)
    matches in every key given, as [(option, before, after)] with one option per given key
    (``ipam_config[0].subnet``). The order of the entries, keys not given and entries not listed
    cause no difference."""
    have = [_canonical_ipam(h) for h in existing or []]
    diffs = []
    for index, entry in enumerate(wanted):
        want = _canonical_ipam(entry)
        if any(all(h.get(k) == v for k, v in want.items()) for h in have):
            continue
        other = existing[index] if index < len(existing or []) else {}
        for key, api in IPAM_KEYS:
            if api in want:
                diffs.append(('ipam_config[%d].%s' % (index, key), other.get(api), entry[api]))
    return diffs


def normalize_ipam(ipam_config):
    """The ipam_config option -> Engine API IPAM Config entries (only keys that are set)."""
    result = []
    for item in ipam_config or []:
        entry = {}
        for key, api in (('subnet', 'Subnet'), ('gateway', 'Gateway'), ('iprange', 'IPRange')):
            if item.get(key):
                entry[api] = str(item[key])
        if item.get('aux_addresses'):
            entry['AuxiliaryAddresses'] = dict((str(k), str(v)) for k, v in item['aux_addresses'].items())
        if not entry.get('Subnet') and (entry.get('Gateway') or entry.get('IPRange')):
            raise SpecError('ipam_config', 'gateway and iprange need a subnet in the same entry, for example '
                            'subnet: 172.28.0.0/16, gateway: 172.28.0.1')
        result.append(entry)
    return result


def network_body(params):
    """POST /networks/create body from the module's options."""
    body = {'Name': params['name'], 'Driver': params.get('driver') or 'bridge', 'CheckDuplicate': True}
    if params.get('driver_options'):
        body['Options'] = _option_strings(params['driver_options'])
    ipam = normalize_ipam(params.get('ipam_config'))
    if ipam or params.get('ipam_driver') or params.get('ipam_driver_options'):
        body['IPAM'] = {'Driver': params.get('ipam_driver') or 'default', 'Config': ipam}
        if params.get('ipam_driver_options'):
            body['IPAM']['Options'] = _option_strings(params['ipam_driver_options'])
    for key, api in FLAGS:
        if params.get(key) is not None:
            body[api] = bool(params[key])
    if params.get('scope'):
        body['Scope'] = params['scope']
    if params.get('config_from'):
        body['ConfigFrom'] = {'Network': params['config_from']}
    if params.get('labels'):
        body['Labels'] = _strings(params['labels'])
    return body


def network_differences(params, network):
    """[{'option', 'before', 'after'}] for the options set in ``params`` that differ from the
    network's inspect data. Options the engine fills in (IPAM when not given, driver options it
    adds, extra labels) do not count."""
    diffs = []

    def add(option, before, after):
        diffs.append({'option': option, 'before': before, 'after': after})

    driver = params.get('driver') or 'bridge'
    # a config-only network has no driver of its own (the engine shows null)
    if network.get('Driver') != driver and not (network.get('ConfigOnly') and params.get('config_only')):
        add('driver', network.get('Driver'), driver)
    want_opts = _option_strings(params.get('driver_options'))
    have_opts = network.get('Options') or {}
    if any(have_opts.get(k) != v for k, v in want_opts.items()):
        add('driver_options', have_opts, want_opts)
    if params.get('ipam_config'):
        have = ((network.get('IPAM') or {}).get('Config')) or []
        for option, before, after in ipam_differences(normalize_ipam(params['ipam_config']), have):
            add(option, before, after)
    if params.get('ipam_driver') and (network.get('IPAM') or {}).get('Driver') != params['ipam_driver']:
        add('ipam_driver', (network.get('IPAM') or {}).get('Driver'), params['ipam_driver'])
    want_ipam_opts = _option_strings(params.get('ipam_driver_options'))
    have_ipam_opts = (network.get('IPAM') or {}).get('Options') or {}
    if want_ipam_opts != dict((k, v) for k, v in have_ipam_opts.items() if k in want_ipam_opts):
        add('ipam_driver_options', have_ipam_opts, want_ipam_opts)
    for key, api in FLAGS:
        # enable_ipv4 defaults to true on the engines that know it; a field an older engine does
        # not return is the flag's default there
        value = network.get(api)
        have = (key == 'enable_ipv4') if value is None else bool(value)
        if params.get(key) is not None and have != bool(params[key]):
            add(key, have, bool(params[key]))
    if params.get('scope') and network.get('Scope') != params['scope']:
        add('scope', network.get('Scope'), params['scope'])
    if params.get('config_from') and (network.get('ConfigFrom') or {}).get('Network') != params['config_from']:
        add('config_from', (network.get('ConfigFrom') or {}).get('Network'), params['config_from'])
    want_labels = dict((str(k), str(v)) for k, v in (params.get('labels') or {}).items())
    have_labels = network.get('Labels') or {}
    if any(have_labels.get(k) != v for k, v in want_labels.items()):
        add('labels', have_labels, want_labels)
    return diffs


def container_names(network):
    return sorted(c.get('Name') for c in (network.get('Containers') or {}).values())


class NetworkManager(ResourceManager):
    kind = 'network'

    def inspect(self):
        data = self.client.inspect('network', self.name)
        if data is not None and data.get('Name') != self.name:
            return None  # an ID prefix match of another network
        return data

    def run(self):
        check_labels(self.p.get('labels'))
        if self.name in PREDEFINED:
            raise SpecError('name', '%s is a network the engine predefines; it cannot be created, changed or removed. '
                            'Pick another name' % self.name)
        network = self.inspect()
        if self.p['state'] == 'absent':
            if network is not None:
                self.remove(network)
            return self.finish(None)
        diffs = []
        if network is None:
            self.actions.append('create')
            self.diff = {'before': {'state': 'absent'}, 'after': {'state': 'present'}}
        else:
            diffs = network_differences(self.p, network)
            if diffs:
                self.diff_options(diffs)
                users = container_names(network)
                if users and not self.p['force']:
                    raise DockerError(
                        'network %s must be recreated to change %s, but containers use it: %s. Set force: true to '
                        'disconnect them, recreate the network and reconnect them, or leave those options as they are'
                        % (self.name, ', '.join(d['option'] for d in diffs), ', '.join(users)))
                self.actions.append('recreate')
        connect, disconnect = self.membership(network, bool(diffs))
        self.actions.extend('connect:%s' % c for c in connect)
        self.actions.extend('disconnect:%s' % c for c in disconnect)
        if connect or disconnect:
            self.diff['before']['connected'] = container_names(network or {})
            self.diff['after']['connected'] = sorted(set(container_names(network or {})) - set(disconnect) | set(connect))
        self.result['changed'] = bool(self.actions)
        if self.module.check_mode or not self.actions:
            return self.finish(network)
        if network is None:
            self.create()
        elif diffs:
            self.recreate(network)
        for name in connect:
            self.connect(name)
        for name in disconnect:
            self.disconnect(name)
        return self.finish(self.inspect())

    def membership(self, network, recreated):
        """Containers to connect and to disconnect for ``connected`` / ``appends``."""
        wanted = self.p.get('connected')
        if wanted is None:
            return [], []
        attached = set()
        for c in ((network or {}).get('Containers') or {}).values():
            attached.add(c.get('Name'))
        connect = []
        for name in wanted:
            if name in attached:
                continue
            info = self.client.inspect('container', name)
            if info is None:
                raise SpecError('connected', 'container %s does not exist; create it first (berth.docker.container)' % name)
            if info.get('Name', '').lstrip('/') in attached or (network and info['Id'] in (network.get('Containers') or {})):
                continue
            connect.append(name)
        disconnect = []
        if not self.p.get('appends'):
            disconnect = sorted(n for n in attached if n not in wanted)
        return connect, disconnect

    def create(self):
        try:
            self.client.post('/networks/create', body=network_body(self.p), what='network %s' % self.name)
        except APIError as exc:
            raise DockerError('creating network %s failed: %s. Check driver, driver_options and ipam_config (a subnet '
                              'may overlap another network)' % (self.name, exc.msg))

    def recreate(self, network):
        endpoints = []
        for cid in (network.get('Containers') or {}):
            info = self.client.inspect('container', cid) or {}
            ep = ((info.get('NetworkSettings') or {}).get('Networks') or {}).get(self.name) or {}
            cfg = {}
            aliases = [a for a in ep.get('Aliases') or [] if a != cid[:12]]
            if aliases:
                cfg['Aliases'] = aliases
            if ep.get('IPAMConfig'):
                cfg['IPAMConfig'] = ep['IPAMConfig']
            if ep.get('Links'):
                cfg['Links'] = ep['Links']
            endpoints.append((cid, cfg))
            self.client.post('/networks/%s/disconnect' % _q(network['Id']), body={'Container': cid, 'Force': True})
        self.client.delete('/networks/%s' % _q(network['Id']), what='network %s' % self.name)
        self.create()
        for cid, cfg in endpoints:
            try:
                self.client.post('/networks/%s/connect' % _q(self.name), body={'Container': cid, 'EndpointConfig': cfg})
            except APIError as exc:
                self.module.warn('could not reconnect container %s to network %s: %s' % (cid[:12], self.name, exc.msg))

    def connect(self, container):
        self.client.post('/networks/%s/connect' % _q(self.name), body={'Container': container}, what='network %s' % self.name)

    def disconnect(self, container):
        try:
            self.client.post('/networks/%s/disconnect' % _q(self.name), body={'Container': container, 'Force': True},
                             what='network %s' % self.name)
        except NotFound:
            pass

    def remove(self, network):
        # as docker_network: the containers on it are disconnected (they keep running), then it goes
        self.actions.extend('disconnect:%s' % c for c in container_names(network))
        self.actions.append('remove')
        self.result['changed'] = True
        self.diff = {'before': {'state': 'present'}, 'after': {'state': 'absent'}}
        if self.module.check_mode:
            return
        for cid in (network.get('Containers') or {}):
            self.client.post('/networks/%s/disconnect' % _q(network['Id']), body={'Container': cid, 'Force': True})
        try:
            self.client.delete('/networks/%s' % _q(network['Id']), what='network %s' % self.name)
        except NotFound:
            pass


def run_network(module, client):
    if module.params['state'] != 'absent':
        check_options(client, 'network', module.params)
    return NetworkManager(module, client).run()
