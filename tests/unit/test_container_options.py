"""The container option table: the module's argument spec and compose's key mapping come from it."""

from ansible_collections.berth.docker.plugins.module_utils import container_options as coptions

# The argument spec written out literally: every option of community.docker.docker_container
# 4.8.5 with its type, default, aliases and choices (issue 13), plus berth's purge_networks and
# healthcheck.disable. The spec derived from the table must stay exactly this.
ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='started', choices=['absent', 'present', 'started', 'stopped', 'healthy']),
    image=dict(type='str'),
    pull=dict(type='raw', default='missing', choices=['never', 'missing', 'always', True, False]),
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
        type=dict(type='str', choices=['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'], default='volume'),
        read_only=dict(type='bool'),
        consistency=dict(type='str', choices=['cached', 'consistent', 'default', 'delegated']),
        propagation=dict(type='str', choices=['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']),
        no_copy=dict(type='bool'),
        labels=dict(type='dict'),
        volume_driver=dict(type='str'),
        volume_options=dict(type='dict'),
        tmpfs_size=dict(type='str'),
        tmpfs_mode=dict(type='str'),
        non_recursive=dict(type='bool'),
        create_mountpoint=dict(type='bool'),
        read_only_non_recursive=dict(type='bool'),
        read_only_force_recursive=dict(type='bool'),
        subpath=dict(type='str'),
        tmpfs_options=dict(type='list', elements='dict'),
    )),
    networks=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        aliases=dict(type='list', elements='str'),
        ipv4_address=dict(type='str'),
        ipv6_address=dict(type='str'),
        links=dict(type='list', elements='str'),
        mac_address=dict(type='str'),
    )),
    network_mode=dict(type='str'),
    purge_networks=dict(type='bool', default=False),
    restart_policy=dict(type='str', choices=['no', 'on-failure', 'always', 'unless-stopped']),
    restart_retries=dict(type='int'),
    healthcheck=dict(type='dict', options=dict(
        test=dict(type='raw'),
        test_cli_compatible=dict(type='bool', default=False),
        interval=dict(type='str'),
        timeout=dict(type='str'),
        retries=dict(type='int'),
        start_period=dict(type='str'),
        start_interval=dict(type='str'),
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
    blkio_weight=dict(type='int'),
    cpu_period=dict(type='int'),
    cpu_quota=dict(type='int'),
    cpuset_mems=dict(type='str'),
    kernel_memory=dict(type='str'),
    memory_swappiness=dict(type='int'),
    oom_killer=dict(type='bool'),
    device_cgroup_rules=dict(type='list', elements='str'),
    device_read_bps=dict(type='list', elements='dict', options=dict(
        path=dict(type='str', required=True), rate=dict(type='str', required=True))),
    device_write_bps=dict(type='list', elements='dict', options=dict(
        path=dict(type='str', required=True), rate=dict(type='str', required=True))),
    device_read_iops=dict(type='list', elements='dict', options=dict(
        path=dict(type='str', required=True), rate=dict(type='int', required=True))),
    device_write_iops=dict(type='list', elements='dict', options=dict(
        path=dict(type='str', required=True), rate=dict(type='int', required=True))),
    storage_opts=dict(type='dict'),
    volume_driver=dict(type='str'),
    links=dict(type='list', elements='str'),
    mac_address=dict(type='str'),
    platform=dict(type='str'),
    paused=dict(type='bool'),
    force_kill=dict(type='bool', default=False, aliases=['forcekill']),
    kill_signal=dict(type='str'),
    output_logs=dict(type='bool', default=False),
    default_host_ip=dict(type='str'),
    debug=dict(type='bool', default=False),
    use_ssh_client=dict(type='bool', default=False),
    command_handling=dict(type='str', default='correct', choices=['compatibility', 'correct']),
    container_default_behavior=dict(type='str', default='no_defaults', choices=['compatibility', 'no_defaults']),
    image_comparison=dict(type='str', default='desired-image', choices=['desired-image', 'current-image']),
    image_label_mismatch=dict(type='str', default='ignore', choices=['ignore', 'fail']),
    image_name_mismatch=dict(type='str', default='recreate', choices=['ignore', 'recreate']),
    networks_cli_compatible=dict(type='bool', default=True),
    pull_check_mode_behavior=dict(type='str', default='image_not_present', choices=['image_not_present', 'always']),
)


def test_argument_spec_is_the_one_written_out():
    assert coptions.argument_spec() == ARGUMENT_SPEC


def test_argument_spec_is_a_fresh_copy():
    spec = coptions.argument_spec()
    spec['mounts']['options']['type']['choices'].append('glusterfs')
    spec.pop('name')
    assert coptions.argument_spec() == ARGUMENT_SPEC


def test_every_option_is_a_property_or_not_compared():
    names = set(ARGUMENT_SPEC)
    assert set(coptions.OPTIONS) | set(coptions.NOT_COMPARED) == names
    assert not set(coptions.OPTIONS) & set(coptions.NOT_COMPARED)


def test_compose_key_map():
    keys = coptions.compose_key_map()
    assert keys['cap_add'] == 'capabilities' and keys['security_opt'] == 'security_opts'
    assert keys['dns'] == 'dns_servers' and keys['stdin_open'] == 'interactive' and keys['cgroup'] == 'cgroupns_mode'
    assert set(keys.values()) <= set(coptions.OPTIONS)
    assert len(set(keys.values())) == len(keys)
