"""The container option table: the module's argument spec and compose's key mapping come from it."""

from ansible_collections.berth.docker.plugins.module_utils import container_options as coptions

# A literal copy of the argument spec plugins/modules/container.py wrote out by hand before the
# option table existed: the spec derived from the table must stay exactly this.
ARGUMENT_SPEC_BEFORE_THE_TABLE = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='started', choices=['absent', 'present', 'started', 'stopped', 'healthy']),
    image=dict(type='str'),
    pull=dict(type='raw', default='missing'),
    command=dict(type='raw'),
    entrypoint=dict(type='list', elements='str'),
    env=dict(type='dict'),
    env_file=dict(type='path'),
    labels=dict(type='dict'),
    published_ports=dict(type='list', elements='str', aliases=['ports']),
    exposed_ports=dict(type='list', elements='str', aliases=['exposed', 'expose']),
    volumes=dict(type='list', elements='str'),
    mounts=dict(type='list', elements='dict', options=dict(
        target=dict(type='str', required=True),
        source=dict(type='str'),
        type=dict(type='str', choices=['bind', 'volume', 'tmpfs'], default='volume'),
        read_only=dict(type='bool'),
        consistency=dict(type='str', choices=['cached', 'consistent', 'default', 'delegated']),
        propagation=dict(type='str', choices=['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']),
        no_copy=dict(type='bool'),
        labels=dict(type='dict'),
        volume_driver=dict(type='str'),
        volume_options=dict(type='dict'),
        tmpfs_size=dict(type='str'),
        tmpfs_mode=dict(type='str'),
    )),
    networks=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        aliases=dict(type='list', elements='str'),
        ipv4_address=dict(type='str'),
        ipv6_address=dict(type='str'),
        links=dict(type='list', elements='str'),
    )),
    network_mode=dict(type='str'),
    purge_networks=dict(type='bool', default=False),
    restart_policy=dict(type='str', choices=['no', 'on-failure', 'always', 'unless-stopped']),
    restart_retries=dict(type='int'),
    healthcheck=dict(type='dict', options=dict(
        test=dict(type='raw'),
        interval=dict(type='str'),
        timeout=dict(type='str'),
        retries=dict(type='int'),
        start_period=dict(type='str'),
        disable=dict(type='bool'),
    )),
    healthy_wait_timeout=dict(type='float', default=300),
    user=dict(type='str'),
    working_dir=dict(type='str'),
    hostname=dict(type='str'),
    domainname=dict(type='str'),
    etc_hosts=dict(type='dict'),
    dns_servers=dict(type='list', elements='str'),
    memory=dict(type='str'),
    memory_reservation=dict(type='str'),
    memory_swap=dict(type='str'),
    cpus=dict(type='float'),
    cpu_shares=dict(type='int'),
    cpuset_cpus=dict(type='str'),
    pids_limit=dict(type='int'),
    ulimits=dict(type='list', elements='str'),
    log_driver=dict(type='str'),
    log_options=dict(type='dict', aliases=['log_opt']),
    init=dict(type='bool'),
    tty=dict(type='bool'),
    interactive=dict(type='bool'),
    stop_signal=dict(type='str'),
    stop_timeout=dict(type='int'),
    capabilities=dict(type='list', elements='str'),
    cap_drop=dict(type='list', elements='str'),
    security_opts=dict(type='list', elements='str'),
    read_only=dict(type='bool'),
    tmpfs=dict(type='list', elements='str'),
    devices=dict(type='list', elements='str'),
    sysctls=dict(type='dict'),
    shm_size=dict(type='str'),
    auto_remove=dict(type='bool'),
    privileged=dict(type='bool'),
    publish_all_ports=dict(type='bool'),
    ipc_mode=dict(type='str'),
    pid_mode=dict(type='str'),
    userns_mode=dict(type='str'),
    cgroupns_mode=dict(type='str', choices=['host', 'private']),
    runtime=dict(type='str'),
    groups=dict(type='list', elements='str'),
    oom_score_adj=dict(type='int'),
    dns_search_domains=dict(type='list', elements='str'),
    dns_opts=dict(type='list', elements='str'),
    volumes_from=dict(type='list', elements='str'),
    uts=dict(type='str'),
    cgroup_parent=dict(type='str'),
    device_requests=dict(type='list', elements='dict', options=dict(
        driver=dict(type='str'),
        count=dict(type='int'),
        device_ids=dict(type='list', elements='str'),
        capabilities=dict(type='list', elements='list'),
        options=dict(type='dict'),
    )),
    detach=dict(type='bool', default=True),
    cleanup=dict(type='bool', default=False),
    keep_volumes=dict(type='bool', default=True),
    removal_wait_timeout=dict(type='float'),
    recreate=dict(type='bool', default=False),
    restart=dict(type='bool', default=False),
    comparisons=dict(type='dict'),
)


def test_argument_spec_is_the_one_written_by_hand_before():
    assert coptions.argument_spec() == ARGUMENT_SPEC_BEFORE_THE_TABLE


def test_argument_spec_is_a_fresh_copy():
    spec = coptions.argument_spec()
    spec['mounts']['options']['type']['choices'].append('npipe')
    spec.pop('name')
    assert coptions.argument_spec() == ARGUMENT_SPEC_BEFORE_THE_TABLE


def test_every_option_is_a_property_or_not_compared():
    names = set(ARGUMENT_SPEC_BEFORE_THE_TABLE)
    assert set(coptions.OPTIONS) | set(coptions.NOT_COMPARED) == names
    assert not set(coptions.OPTIONS) & set(coptions.NOT_COMPARED)


def test_compose_key_map():
    keys = coptions.compose_key_map()
    assert keys['cap_add'] == 'capabilities' and keys['security_opt'] == 'security_opts'
    assert keys['dns'] == 'dns_servers' and keys['stdin_open'] == 'interactive' and keys['cgroup'] == 'cgroupns_mode'
    assert set(keys.values()) <= set(coptions.OPTIONS)
    assert len(set(keys.values())) == len(keys)
