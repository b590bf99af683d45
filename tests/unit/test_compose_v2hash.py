"""berth's emulation of docker compose v2's service config hash (compose/v2hash.py) against
hashes recorded from the real thing.

Oracle: docker compose 2.26.1 as Debian trixie packages it (``docker-compose`` 2.26.1-4, built
with compose-go 2.4.8, Go 1.24), in a trixie lab node with docker.io 26.1.5. For each case the
files below were put in /srv/v2h/<dir> (dir: the part of the case name before ``_``) and
``docker compose -p <dir> create`` run there (c14 with COMPOSE_PROFILES=debug); the hashes are
the ``com.docker.compose.config-hash`` labels of the containers it created (the same as
``docker compose config --hash '*'`` prints, except for env_file services, whose env files the
config command does not fold in). c22's container IDs are those of that run's containers (compose
hashes network_mode/ipc service:db and volumes_from db with the ID of db's container).

Here each case is loaded by berth (load_project, empty process environment) from a temporary
directory; the project directory is then set to /srv/v2h/<dir>, where the oracle ran, because
compose hashes absolute bind-mount sources.
"""

import pytest

from ansible_collections.berth.docker.plugins.module_utils.compose import v2hash
from ansible_collections.berth.docker.plugins.module_utils.compose.model import load_project

CASES = {
    'c01_command_string': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    command: sleep 600
''',
        },
        hashes={
            'web': 'f7b86ac11b7b5e23e7cad94d7d06ccd8d3ff9929d65b6afb28d9b6d162f4a764',
        },
    ),
    'c02_ports': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "53:53/udp"
      - 9000
      - "7000-7001:7000-7001"
      - target: 81
        published: 8081
        host_ip: 127.0.0.1
      - target: 82
        published: "8082"
        protocol: udp
        mode: host
    expose: ["3000", 4000]
''',
        },
        hashes={
            'web': '99bef9319815eee34767809fa5b6bc3654770637946e1ba0173cb9d88bd207ae',
        },
    ),
    'c03_env_list_labels_list': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    entrypoint: /bin/sh -c
    command: 'echo "hello <world> & co"; sleep 1'
    environment:
      - A=1
      - B=two words
      - EMPTY=
      - UNSET_BARE_VAR_X
      - FROM_DOTENV
    labels:
      - "com.example.a=1"
      - "com.example.b"
''',
            '.env': '''\
FROM_DOTENV=dotenv-value
IMG=busybox
''',
        },
        hashes={
            'web': 'c5ae4492eeefd28c630255acf87cb462c588449f64054e90c145b3f9045b437d',
        },
    ),
    'c04_env_map_env_file': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: ${IMG}
    environment:
      NUM: 5
      BOOL: true
      FLOAT: 1.5
      NULLV:
      STR: "x=y"
    labels:
      z.last: "9"
      a.first: hello
    env_file:
      - ./app.env
''',
            '.env': '''\
IMG=busybox
''',
            'app.env': '''\
FILEVAR=from-file
STR=overridden-by-env
REF=${IMG}-ref
''',
        },
        hashes={
            'web': 'b5dd710daa4930e5e950c85a68ffa306f5497f43cd4de8667bc077cecdef95cc',
        },
    ),
    'c05_volumes': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    volumes:
      - ./data:/data
      - cache:/cache
      - /var/log:/host/log:ro
      - /anon
      - type: bind
        source: ./conf
        target: /etc/conf/
        read_only: true
      - type: volume
        source: cache
        target: /cache2
        volume:
          nocopy: true
      - type: tmpfs
        target: /tmp/x
        tmpfs:
          size: 64m
volumes:
  cache: {}
''',
        },
        hashes={
            'web': '740a4cb8fc541c3749e6a92d87d397a228fd5242518ee705433cb803ab3b1278',
        },
    ),
    'c06_networks_aliases': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    networks:
      front:
        aliases: [www, web.local]
      back:
        ipv4_address: 172.28.0.10
  db:
    image: busybox
    networks: [back]
networks:
  front: {}
  back:
    ipam:
      config:
        - subnet: 172.28.0.0/24
''',
        },
        hashes={
            'db': '91f2880ce2447d149e389788de0b5eb18f1ea637c3f461ee667e9d894dda3d36',
            'web': '5d0d92a12ebc072a9a909f524b763e9f6951d5f4b4ccaa7b456ea7353174e026',
        },
    ),
    'c07_healthchecks': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    healthcheck:
      test: ["CMD", "true"]
      interval: 1m30s
      timeout: 500ms
      retries: 3
      start_period: 2s
  job:
    image: busybox
    healthcheck:
      test: wget -q localhost || exit 1
      interval: 1h
  nohc:
    image: busybox
    healthcheck:
      disable: true
''',
        },
        hashes={
            'job': 'e556e218ff390feac22441e70e438db6a4712a33f221d357106833761df0da56',
            'nohc': 'cf621bfd67b6130be5e846e83c6b9e0fd9a2f2edfee29570ca6a1d31e54e95d9',
            'web': '0f2dd3d8ce3ce5fda2bbd4d39be1ea16932099312077961957e88b5ddcdf10de',
        },
    ),
    'c08_depends_on': dict(
        files={
            'compose.yaml': '''\
services:
  db:
    image: busybox
  cache:
    image: busybox
  web:
    image: busybox
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
        restart: true
  worker:
    image: busybox
    depends_on: [db, cache]
    links: ["db:database"]
''',
        },
        hashes={
            'cache': '2afd7866203dca40993313263173003833e9de9c3ad83f2f59484e32a5605234',
            'db': '2afd7866203dca40993313263173003833e9de9c3ad83f2f59484e32a5605234',
            'web': '00227eca77ea0e60652d5bf52d8c56b9073e77b57699f90dc01f5112cda73cf9',
            'worker': '743b0a2af3f2e0d156ad46bc1a099da2696694481c7726f36e35e4dd83eef025',
        },
    ),
    'c09_deploy_scale': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    deploy:
      replicas: 2
      resources:
        limits:
          cpus: "0.5"
          memory: 64M
          pids: 100
        reservations:
          memory: 32m
      restart_policy:
        condition: on-failure
        max_attempts: 3
        delay: 5s
  api:
    image: busybox
    scale: 3
    mem_limit: 1g
    cpus: 0.25
    shm_size: 128m
    pull_policy: missing
''',
        },
        hashes={
            'api': '739d71bc96d39b518bc438668ef31f3d2f42c0a2d89dd743be1fda4c1110717e',
            'web': '8eedd0e5503711de6ff6b99c702c1f659af9f7bf1334331498d402d0d2be4517',
        },
    ),
    'c10_runtime_options': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    restart: unless-stopped
    init: true
    stop_grace_period: 1m
    stop_signal: SIGINT
    user: "1000:1000"
    working_dir: /app
    hostname: myhost
    read_only: true
    tty: true
    stdin_open: true
    privileged: false
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    dns: 8.8.8.8
    dns_search: [example.com]
    extra_hosts:
      - "somehost:162.242.195.82"
      - "other=10.0.0.1"
    tmpfs: /run
    sysctls:
      net.core.somaxconn: 1024
    ulimits:
      nproc: 65535
      nofile:
        soft: 20000
        hard: 40000
    logging:
      driver: json-file
      options:
        max-size: 10m
        max-file: "3"
    group_add: [audio, 1001]
    oom_score_adj: 100
    pids_limit: 50
''',
        },
        hashes={
            'web': 'c3fa7421cefb10d3d2b6c9bfec7ab6703d475161ccf5b6b802a8b3d959a08cee',
        },
    ),
    'c11_build': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: c11-web:1
    build:
      context: .
      args:
        X: "1"
  built:
    build: .
''',
            'Dockerfile': '''\
FROM busybox
RUN echo hi > /hi
''',
        },
        hashes={
            'built': '8ed9276b9b43971f5e501d66147c519a039b4cf02cb7c2f3b6c3aa25e8d28823',
            'web': '341e8d3a8647113ab47a653c94ad90f0528feef9280396f2d7c0d548fc51e542',
        },
    ),
    'c12_secrets_configs': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    secrets:
      - token
      - source: other
        target: /etc/other
        mode: 0440
    configs:
      - app_conf
      - source: app_conf
        target: /etc/app.conf
secrets:
  token:
    file: ./token.txt
  other:
    environment: OTHER_SECRET
configs:
  app_conf:
    content: "hello"
''',
            '.env': '''\
OTHER_SECRET=abc
''',
            'token.txt': '''\
s3cret
''',
        },
        hashes={
            'web': 'c3bbaae376a8d3d421175f755dd9c81ce5c7edf21515bfb8b4edf1df58adc4c7',
        },
    ),
    'c13_extends_local': dict(
        files={
            'compose.yaml': '''\
services:
  base:
    image: busybox
    environment:
      LEVEL: base
    labels:
      tier: base
    command: sleep 600
  web:
    extends: base
    environment:
      EXTRA: "1"
    ports: ["8000:8000"]
''',
        },
        hashes={
            'base': 'a3b3abf6cafe17496311a270f0ed3b294f666344c1636f36bc6bc4ec322c3d17',
            'web': '7c5371c15f41c3145221ba9c6ff3bef78e900a4c13e4565d1e27f95b2591a341',
        },
    ),
    'c14_profiles': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
  debug:
    image: busybox
    profiles: [debug]
''',
        },
        hashes={
            'debug': 'cf95b86374b4061f5542224d226d84ee6767b83a91dfdf2d4aa26c6605515cb6',
            'web': '2afd7866203dca40993313263173003833e9de9c3ad83f2f59484e32a5605234',
        },
    ),
    'c15_network_mode_escaping': dict(
        files={
            'compose.yaml': r'''name: ignored-name
services:
  app:
    image: busybox
    container_name: c15-app
    network_mode: host
    command: ["sh", "-c", "echo $$HOME"]
    devices:
      - /dev/null:/dev/xnull
    environment:
      HTML: "<b>&amp;</b>"
      UNI: "caf\u00e9 \u2028"
''',
        },
        hashes={
            'app': '8ef190b1609f4d394d675b45f9c5562a997910920bd57eb07509a55b11420540',
        },
    ),
    'c16_network_priority': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    networks:
      default:
      extra:
        priority: 10
networks:
  extra:
    name: c16-extra-net
''',
        },
        hashes={
            'web': 'd1c08560aebbdb1cad2c95a27760b90ad79e524c8e2b78c197a00bb49b335a1a',
        },
    ),
    'c17_port_ranges': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    ports:
      - "8-10:8-10"
      - "8000-8010:80"
      - "127.0.0.1::5000"
      - "[::1]:6000:6000"
      - "0.0.0.0:7000:7000/UDP"
''',
        },
        hashes={
            'web': '80caf190d941f3d3bb575434cdb4c3df8c47260d62f770c71252bcc39578d544',
        },
    ),
    'c18_shell_words_durations': dict(
        files={
            'compose.yaml': r'''services:
  a:
    image: busybox
    command: echo a && echo b
    stop_grace_period: 90s
    healthcheck:
      test: ["NONE"]
      interval: 1.5s
      timeout: 0s
      start_interval: 2ms
  b:
    image: busybox
    command: sh -c 'echo "it''s" \"quoted\" $$HOME'
    entrypoint: []
    stop_grace_period: 1h2m3s
  c:
    image: busybox
    command: ""
''',
        },
        hashes={
            'a': '475191f83a2b511e12f107ab8808d9a75aba2464bfc1b84347ad1fff351d18c8',
            'b': '1ae9ea3fde2dba694d7a1e38218b5abb3361dd0bfb24ac3b84ea18bfa528ef3a',
            'c': '4df5c441c3d0d2bed8927fb3cf80876bd51547f33d6c913f545fd6de5d35f97f',
        },
    ),
    'c19_cpus_memory': dict(
        files={
            'compose.yaml': '''\
services:
  a:
    image: busybox
    cpu_count: 2
    cpu_shares: 512
    cpuset: "0"
    deploy:
      resources:
        limits:
          cpus: "0.333"
          memory: 1.5g
        reservations:
          cpus: 0.1
  b:
    image: busybox
    mem_limit: 67108864
    memswap_limit: 128m
    mem_reservation: 8m
    shm_size: "1gb"
''',
        },
        hashes={
            'a': '7d43614918cd2d23c1551dcd21da1ebbfd32bbe5129dae753fa6164b09c49504',
            'b': '4e0a25962ce3f0fdf5ec8066705f475ab8f70e674f5a5845d3cd8f972fd180d8',
        },
    ),
    'c20_override_file': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    command: sleep 1
    environment:
      A: "1"
    ports: ["8080:80"]
    labels: [x=1]
    volumes: ["./a:/a"]
''',
            'compose.override.yaml': '''\
services:
  web:
    command: sleep 2
    environment:
      B: "2"
    ports: ["8443:443"]
    labels:
      y: "2"
    volumes: ["./b:/a", "./c:/c"]
''',
        },
        hashes={
            'web': 'a51a030c522de656de8dc78bb61e091238a4f70c981a8b7e3fb2be5c2e903a60',
        },
    ),
    'c21_env_file_forms': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    env_file: base.env
  opt:
    image: busybox
    env_file:
      - path: ./base.env
      - path: ./missing.env
        required: false
    environment:
      - OVER=env
      - FROMFILE
''',
            'base.env': '''\
# comment
export EXP=1
Q="quoted value"
S='single $X'
OVER=file
FROMFILE=ff
''',
        },
        hashes={
            'opt': '8c205000146888088c19225d4ff611e21708f50432a488914fe9d7b8030b07e0',
            'web': '1877f5f09f297495709acb469450c0b3a2af21f582f63e6e16226e1ee86fa9f7',
        },
    ),
    'c22_service_references': dict(
        files={
            'compose.yaml': '''\
services:
  db:
    image: busybox
    command: sleep 600
    ipc: shareable
  web:
    image: busybox
    network_mode: service:db
    volumes_from: [db, "container:c22-db-1:ro"]
    ipc: service:db
''',
        },
        hashes={
            'db': 'b16f4fdcb3e3b699ea9aa965f348dac0644a8009d3075dc647d5939d6a773044',
            'web': '13316d8a89326f96f8ada8816b4935ab78866655122ef8748cadd2bd3861b630',
        },
        containers={
            'db': 'cbe675948655c504941b7cf6415d6cbb1fbd260c04889656490822ffffcdc098',
            'web': 'f48a614c2e10fa57561c60de82bf4a7cc32a18f4a7901ebf2c2bdaf9e7359c11',
        },
    ),
    'c23_extra_hosts_ulimits': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    uts: host
    privileged: true
    extra_hosts:
      myhost: 10.0.0.2
      multi: ["10.0.0.3", "::1"]
    labels:
      nul:
      num: 42
    logging:
      options:
        tag: "{{.Name}}"
    ulimits:
      core: 0
      memlock: -1
    deploy:
      mode: replicated
      labels: [dl=1]
      placement:
        constraints: [node.role==manager]
''',
        },
        hashes={
            'web': '17d211a0ac6aa020a0377a12504c7525ba61d81b660e7110e4c52d487f7d9264',
        },
    ),
    'c24_long_volumes_secrets': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    volumes:
      - type: tmpfs
        target: /t
        tmpfs:
          size: 1000000
          mode: 0755
      - type: bind
        source: /etc/hosts
        target: /h
        bind:
          propagation: rslave
      - named:/n:nocopy
      - ./rel/path/../x:/x:z
    secrets:
      - source: tok
        uid: "103"
        gid: "103"
        mode: 0400
    depends_on:
      side:
        condition: service_completed_successfully
        required: false
  side:
    image: busybox
    networks:
      front: {}
      back:
networks:
  front:
  back:
volumes:
  named:
secrets:
  tok:
    file: ./tok
''',
            'tok': '''\
''',
        },
        hashes={
            'side': 'db258866bb55fe736e37f625ba509076e0a4ffd14d6e3046056a9243e4e98d01',
            'web': 'd5af74676cd6091c1681174d32086b103667ef2aea3b8135348ba3e187405578',
        },
    ),
    'c25_extends_file': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    extends:
      file: common.yaml
      service: base
    image: busybox
    environment:
      - LOCAL=1
''',
            'common.yaml': '''\
services:
  base:
    image: ignored
    command: ["sleep", "600"]
    environment:
      COMMON: "yes"
    volumes:
      - ./common-data:/data
''',
        },
        hashes={
            'web': '91f8afb45604980552229899777821e6a5b36111ba4f1c051193f86b64eceabb',
        },
    ),
    'c27_interpolation_build_only': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: ${IMAGE:-busybox}
    command: ["echo", "$${NOT_INTERPOLATED}", "${GREETING-hi}"]
    environment:
      PORT: ${PORT:-8080}
    ports:
      - "${PORT:-8080}:80"
    restart: on-failure:3
    stop_grace_period: 1m30s
  onlybuild:
    build:
      context: .
      dockerfile: Dockerfile
    pull_policy: build
''',
            'Dockerfile': '''\
FROM busybox
''',
        },
        hashes={
            'onlybuild': '8ed9276b9b43971f5e501d66147c519a039b4cf02cb7c2f3b6c3aa25e8d28823',
            'web': '3b32470c26b7db8d308949de25c3d857baee023ca4769527cb42dfac5361898b',
        },
    ),
    'c28_misc': dict(
        files={
            'compose.yaml': r'''services:
  web:
    image: busybox
    command: ["printf", "caf\u00e9 %s\n", "a=b"]
    environment:
      - WITH_EQ=a=b=c
      - SPACED= lead
    expose: ["8000-8002", "9000/udp"]
    ports:
      - name: http
        target: 80
        published: "18080"
        app_protocol: http
    hostname: web
    domainname: example.org
    mac_address: 02:42:ac:11:00:99
    tmpfs: [/run, "/tmp:size=64m"]
    dns: [1.1.1.1, 9.9.9.9]
    dns_opt: [use-vc]
    cap_add: [NET_RAW, CHOWN]
''',
        },
        hashes={
            'web': 'e3ed948677c6e5972b0a3f1a607fa553edf4d0a3ae3e24b4fd6b670d144c9609',
        },
    ),
    'c29_lab_project': dict(
        files={
            'compose.yaml': '''\
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    init: true
    ports:
      - "127.0.0.1:18180:80"
      - target: 81
        published: "18181"
        host_ip: 127.0.0.1
    expose: ["3000"]
    environment:
      TIER: web
      FROM_DOTENV:
    env_file: app.env
    volumes:
      - data:/data
      - ./conf:/conf:ro
      - /anon
    networks:
      front:
        aliases: [www]
      back: {}
    labels:
      org.example.tier: web
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      retries: 3
    depends_on:
      db:
        condition: service_started
    restart: unless-stopped
    stop_grace_period: 5s
    extra_hosts: ["somehost:10.1.2.3"]
    ulimits:
      nofile:
        soft: 1024
        hard: 2048
  db:
    image: busybox
    command: sleep 600
    networks: [back]
    environment:
      - ROLE=db
    deploy:
      resources:
        limits:
          memory: 64m
    scale: 2
  tool:
    image: busybox
    entrypoint: /bin/sh -c
    command: ["sleep 600"]
    network_mode: none
    tmpfs: /run
    labels: [org.example.kind=tool]
volumes:
  data: {}
networks:
  front: {}
  back: {}
''',
            '.env': '''\
FROM_DOTENV=dotenv-value
''',
            'app.env': '''\
APP_MODE=lab
TIER=overridden-by-environment
''',
            'conf/app.conf': '''\
conf
''',
        },
        hashes={
            'db': '0c6be5e285308402a7fa96b00e0b5ce3cc01fa5408239f4c9a452fac024cfe0b',
            'tool': '7ef2242a536e43f3092cad751d9a9b3dd011aa0942959c03fcb07dce944b900c',
            'web': 'ec988ea25b46783afca1098571f50982c19286e3613b8f0ee86992f81b174bc2',
        },
    ),
}

# PyYAML reads YAML 1.1 (yes / no / on / off are booleans, even as keys); compose-go reads YAML 1.2
# (they are strings). berth's loader turns FLAG: yes into "true" and the key OFF into "False", so
# the service's environment, and its hash, differ. Recorded from the same compose 2.26.1.
YAML11_CASE = dict(
    files={
        'compose.yaml': '''\
services:
  web:
    image: busybox
    restart: no
    environment:
      FLAG: yes
      OFF: off
''',
    },
    hashes={
        'web': 'ce77927db427ca3724c58b5c940d54744200e0842b735b382324f2e29a17944d',
    },
)


def _load(tmp_path, name, case):
    directory = tmp_path / name
    for rel, text in case['files'].items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding='utf-8')
    project_dir = name.split('_')[0]
    profiles = ['debug'] if project_dir == 'c14' else None
    project = load_project(project_src=str(directory), project_name=project_dir, environ={}, profiles=profiles)
    project.base_dir = '/srv/v2h/%s' % project_dir  # where the oracle ran: bind sources are absolute
    return project


@pytest.mark.parametrize('name', sorted(CASES))
def test_hash_matches_compose_v2(tmp_path, name):
    case = CASES[name]
    project = _load(tmp_path, name, case)
    assert sorted(project.services) == sorted(case['hashes'])
    got = dict((svc, v2hash.service_hash(project, svc, case.get('containers'))) for svc in case['hashes'])
    assert got == case['hashes']


def test_service_references_need_container_ids(tmp_path):
    project = _load(tmp_path, 'c22_service_references', CASES['c22_service_references'])
    assert v2hash.service_hash(project, 'db') == CASES['c22_service_references']['hashes']['db']
    assert v2hash.service_hash(project, 'web') is None  # network_mode: service:db, without db's ID


def test_yaml12_booleans_as_compose_reads_them(tmp_path):
    project = _load(tmp_path, 'c26_yaml11', YAML11_CASE)
    assert v2hash.service_hash(project, 'web') == YAML11_CASE['hashes']['web']


def test_unsupported_keys_give_no_hash(tmp_path):
    (tmp_path / 'compose.yaml').write_text('services:\n  web:\n    image: busybox\n    gpus: all\n')
    project = load_project(project_src=str(tmp_path), project_name='x', environ={})
    assert v2hash.service_hash(project, 'web') is None


@pytest.mark.parametrize('text,expected', [
    ('0', '0s'), ('90s', '1m30s'), ('1h', '1h0m0s'), ('1.5s', '1.5s'), ('500ms', '500ms'), ('2ms', '2ms'),
    ('250us', '250\u00b5s'), ('1h2m3.25s', '1h2m3.25s'), ('1m', '1m0s'), ('10ns', '10ns'), ('1.5ms', '1.5ms'),
])
def test_go_durations(text, expected):
    assert v2hash.go_duration(v2hash.parse_go_duration(text)) == expected


@pytest.mark.parametrize('value,expected', [
    (v2hash.F32(0.5), '0.5'), (v2hash.F32(0.333), '0.333'), (v2hash.F32(1.1), '1.1'), (v2hash.F32(2), '2'),
    (v2hash.F32(0.1), '0.1'), ('<a&b>', '"\\u003ca\\u0026b\\u003e"'), ('caf\u00e9\n', '"caf\u00e9\\n"'),
    ({'b': 1, 'a': None}, '{"a":null,"b":1}'),
    (v2hash.Struct([('x', '', True), ('y', None, False), ('z', [], True)]), '{"y":null}'),
])
def test_go_json(value, expected):
    assert v2hash.go_json(value) == expected


@pytest.mark.parametrize('text,expected', [
    ('sleep 600', ['sleep', '600']),
    ('echo a && echo b', ['echo', 'a']),
    ('sh -c "echo \\"x\\" $HOME"', ['sh', '-c', 'echo "x" $HOME']),
    ("a 'b c' d\\ e", ['a', 'b c', 'd e']),
    ('""', ['']),
])
def test_shell_words(text, expected):
    assert v2hash.shell_words(text) == expected


def test_image_label():
    assert v2hash.image_label({'Id': 'sha256:abc'}) == 'sha256:abc'
