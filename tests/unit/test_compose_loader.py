"""The compose loader: files, merge, interpolation, profiles, normalisation, errors."""

import os
import subprocess
import sys

import pytest

from ansible_collections.berth.docker.plugins.module_utils import units
from ansible_collections.berth.docker.plugins.module_utils.compose import graph, labels, merge, model, source, values
from ansible_collections.berth.docker.plugins.module_utils.compose.model import load_project
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError


def write(path, text):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'w') as handle:
        handle.write(text)
    return str(path)


def load(definition, **kwargs):
    kwargs.setdefault('environ', {})
    kwargs.setdefault('project_src', '/srv/app')
    return load_project(definition=definition, **kwargs)


# ---------------------------------------------------------------- project source and name

def test_project_src_finds_compose_file_and_override(tmp_path):
    write(tmp_path / 'docker-compose.yml', 'services:\n  web:\n    image: a\n')
    write(tmp_path / 'docker-compose.override.yml', 'services:\n  web:\n    image: b\n')
    project = load_project(project_src=str(tmp_path), environ={})
    assert project.services['web']['image'] == 'b'
    assert project.config_files == [str(tmp_path / 'docker-compose.yml'), str(tmp_path / 'docker-compose.override.yml')]
    assert project.working_dir == str(tmp_path)


def test_compose_yaml_preferred_over_docker_compose_yml(tmp_path):
    write(tmp_path / 'compose.yaml', 'services:\n  web:\n    image: new\n')
    write(tmp_path / 'docker-compose.yml', 'services:\n  web:\n    image: old\n')
    assert load_project(project_src=str(tmp_path), environ={}).services['web']['image'] == 'new'


def test_missing_compose_file_is_a_clear_error(tmp_path):
    with pytest.raises(ComposeError, match='no compose file in .*compose.yaml'):
        load_project(project_src=str(tmp_path), environ={})


def test_project_name_from_directory_normalised(tmp_path):
    src = tmp_path / 'My_Web.Stack'
    write(src / 'compose.yml', 'services:\n  web:\n    image: a\n')
    assert load_project(project_src=str(src), environ={}).name == 'my_webstack'


@pytest.mark.parametrize('raw,expected', [('MyApp', 'myapp'), ('_x-Y z', 'x-yz'), ('a.b', 'ab'), ('123', '123')])
def test_normalise_project_name(raw, expected):
    assert labels.normalise_project_name(raw) == expected


def test_project_name_precedence():
    doc = {'name': 'fromfile', 'services': {'web': {'image': 'a'}}}
    assert load(doc, project_name='Option').name == 'option'
    assert load(doc).name == 'fromfile'
    assert load({'services': {'web': {'image': 'a'}}}, environ={'COMPOSE_PROJECT_NAME': 'envname'}).name == 'envname'
    assert load({'services': {'web': {'image': 'a'}}}).name == 'app'


def test_unnameable_project_fails():
    with pytest.raises(ComposeError, match='set project_name'):
        load({'services': {'web': {'image': 'a'}}}, project_name='!!!')


def test_definition_needs_no_pyyaml_simulation(tmp_path):
    """Simulation: a definition dict loads in an interpreter where PyYAML cannot be imported (simulated by
    poisoning sys.modules['yaml']); files then fail with the install hint."""
    code = (
        "import sys; sys.modules['yaml'] = None\n"
        "sys.path.insert(0, %r)\n"
        "from ansible_collections.berth.docker.plugins.module_utils.compose import model\n"
        "from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError\n"
        "p = model.load_project(definition={'services': {'web': {'image': 'a'}}}, project_src='/x', environ={})\n"
        "print(p.services['web']['image'])\n"
        "try:\n"
        "    model.load_project(project_src=%r, environ={})\n"
        "except ComposeError as exc:\n"
        "    print(exc.msg)\n"
    ) % (os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'collections'),
         str(tmp_path))
    write(tmp_path / 'compose.yml', 'services: {web: {image: a}}\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == 'a'
    assert 'python3-yaml' in out and 'pip install pyyaml' in out and 'definition' in out


# ---------------------------------------------------------------- YAML errors

def test_invalid_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n   ports: [1\n')
    with pytest.raises(ComposeError) as err:
        load_project(project_src=str(tmp_path), environ={})
    assert path in err.value.msg and 'line 4, column 4' in err.value.msg


def test_unclosed_flow_sequence_line(tmp_path):
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    ports: [1\n')
    with pytest.raises(ComposeError, match=r'invalid YAML in .*compose.yml, line \d+, column \d+'):
        load_project(project_src=str(tmp_path), environ={})


def test_document_not_a_mapping(tmp_path):
    write(tmp_path / 'compose.yml', '- a\n- b\n')
    with pytest.raises(ComposeError, match='must be a mapping'):
        load_project(project_src=str(tmp_path), environ={})


def test_no_services():
    with pytest.raises(ComposeError, match='no services'):
        load({'services': {}})


# ---------------------------------------------------------------- multi-file merge

def test_files_merge_in_order(tmp_path):
    base = write(tmp_path / 'base.yml', '''
services:
  web:
    image: web:1
    command: ["a", "b"]
    environment: [A=1, B=2]
    labels: {x: "1"}
    ports: ["8001:80"]
    volumes: ["./www:/www", "./conf:/etc/conf:ro"]
    depends_on: [db]
    dns: 1.1.1.1
  db:
    image: db:1
networks:
  back: {driver: bridge}
''')
    over = write(tmp_path / 'prod.yml', '''
services:
  web:
    image: web:2
    command: c
    environment: {B: "3", C: "4"}
    labels: [y=2]
    ports: ["8443:443"]
    volumes: ["./conf2:/etc/conf"]
    dns: [8.8.8.8]
  cache:
    image: cache:1
networks:
  back: {internal: true}
''')
    project = load_project(files=[base, over], environ={})
    web = project.services['web']
    assert web['image'] == 'web:2'
    assert web['command'] == ['c']
    assert web['environment'] == {'A': '1', 'B': '3', 'C': '4'}
    assert web['labels'] == {'x': '1', 'y': '2'}
    assert [p['published'] for p in web['ports']] == [8001, 8443]
    assert sorted((v['source'], v['target']) for v in web['volumes']) == [
        (str(tmp_path / 'conf2'), '/etc/conf'), (str(tmp_path / 'www'), '/www')]
    assert web['dns'] == ['1.1.1.1', '8.8.8.8']
    assert web['depends_on'] == {'db': {'condition': 'service_started', 'required': True, 'restart': False}}
    assert set(project.services) == {'web', 'db', 'cache'}
    assert project.networks['back']['driver'] == 'bridge' and project.networks['back']['internal'] is True
    assert project.working_dir == str(tmp_path)
    assert project.config_files == [base, over]


def test_relative_files_resolved_against_project_src(tmp_path):
    write(tmp_path / 'a.yml', 'services: {web: {image: a}}\n')
    write(tmp_path / 'b.yml', 'services: {web: {image: b}}\n')
    project = load_project(project_src=str(tmp_path), files=['a.yml', 'b.yml'], environ={})
    assert project.services['web']['image'] == 'b'


def test_merge_service_healthcheck_and_entrypoint():
    merged = merge.merge_service({'entrypoint': ['a', 'b'], 'healthcheck': {'test': 'x', 'retries': 3}},
                                 {'entrypoint': ['c'], 'healthcheck': {'test': ['CMD', 'y']}})
    assert merged['entrypoint'] == ['c']
    assert merged['healthcheck'] == {'test': ['CMD', 'y'], 'retries': 3}


# ---------------------------------------------------------------- interpolation and env

@pytest.mark.parametrize('text,expected', [
    ('${SET}', 'value'), ('$SET', 'value'), ('${UNSET}', ''), ('${UNSET:-d}', 'd'), ('${EMPTY:-d}', 'd'),
    ('${EMPTY-d}', ''), ('${UNSET-d}', 'd'), ('${SET:-d}', 'value'), ('${SET:+x}', 'x'), ('${EMPTY:+x}', ''),
    ('${EMPTY+x}', 'x'), ('${UNSET+x}', ''), ('$$SET', '$SET'), ('a$${b}c', 'a${b}c'),
    ('${UNSET:-${SET}}', 'value'), ('pre-${SET}-post', 'pre-value-post'), ('${SET:?boom}', 'value'),
])
def test_interpolation(text, expected):
    env = {'SET': 'value', 'EMPTY': ''}
    assert source.interpolate(text, env) == expected


def test_required_variable_error_carries_message():
    with pytest.raises(ComposeError, match='required variable DB_PASSWORD is missing a value: set the db password'):
        load({'services': {'db': {'image': 'a', 'environment': {'P': '${DB_PASSWORD:?set the db password}'}}}})
    with pytest.raises(ComposeError, match='DB_PASSWORD'):
        load({'services': {'db': {'image': 'a', 'environment': {'P': '${DB_PASSWORD?}'}}}})
    # empty is fine for ? but not for :?
    assert load({'services': {'db': {'image': 'a', 'environment': {'P': '${E?x}'}}}}, environ={'E': ''}).services['db']['environment'] == {'P': ''}


def test_lone_dollar_and_bad_braces_fail():
    with pytest.raises(ComposeError, match='lone \\$'):
        source.interpolate('cost $5', {})
    with pytest.raises(ComposeError, match='invalid interpolation'):
        source.interpolate('${1BAD}', {})
    with pytest.raises(ComposeError, match='unclosed'):
        source.interpolate('${OPEN', {})


def test_keys_are_not_interpolated():
    assert source.interpolate({'$KEY': '$V'}, {'KEY': 'k', 'V': 'v'}) == {'$KEY': 'v'}


def test_dot_env_and_process_environment(tmp_path):
    write(tmp_path / '.env', '# comment\nTAG=1.2\nexport PORT=8080\nQUOTED="a b"\nSINGLE=\'$x\'\nREF=${TAG}-x\n')
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: "web:${TAG}"\n    ports: ["${PORT}:80"]\n'
          '    environment: [Q=$QUOTED, R=$REF]\n')
    project = load_project(project_src=str(tmp_path), environ={'PORT': '9090'})
    web = project.services['web']
    assert web['image'] == 'web:1.2'
    assert web['ports'][0]['published'] == 9090  # the process environment wins over .env
    assert web['environment'] == {'Q': 'a b', 'R': '1.2-x'}
    assert project.env_files == [str(tmp_path / '.env')]


def test_env_files_option_replaces_dot_env(tmp_path):
    write(tmp_path / '.env', 'TAG=dotenv\n')
    write(tmp_path / 'prod.env', 'TAG=prod\n')
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: "web:${TAG}"\n')
    assert load_project(project_src=str(tmp_path), env_files=['prod.env'], environ={}).services['web']['image'] == 'web:prod'
    with pytest.raises(ComposeError, match='env file .*missing.env does not exist'):
        load_project(project_src=str(tmp_path), env_files=['missing.env'], environ={})


def test_env_file_service_key_and_environment_precedence(tmp_path):
    write(tmp_path / 'web.env', 'A=from_file\nB=from_file\nC\n')
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    env_file: web.env\n'
          '    environment:\n      B: from_environment\n      D:\n')
    project = load_project(project_src=str(tmp_path), environ={'C': 'shell', 'D': 'shell_d'})
    assert project.services['web']['environment'] == {'A': 'from_file', 'B': 'from_environment', 'C': 'shell', 'D': 'shell_d'}
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    env_file: [{path: nope.env, required: false}]\n')
    assert load_project(project_src=str(tmp_path), environ={}).services['web']['environment'] == {}


def test_env_file_syntax_error():
    with pytest.raises(ComposeError, match='line 2'):
        source.parse_env_file_text('A=1\nnot valid line\n')


SECRET = 'Hunter2-s3cr3t-VALUE'


@pytest.mark.parametrize('line', [
    'DB_PASSWORD %s' % SECRET,         # no =
    '%s' % SECRET + '!',               # not a name
    '1PASSWORD=%s' % SECRET,           # a name starting with a digit
    'PASS WORD=%s' % SECRET,           # a space in the name
])
def test_env_file_bad_line_is_reported_by_file_and_line_never_content(tmp_path, line):
    """A line that does not parse: the error names the file and the line number, not the line (it may be a
    password the user mistyped)."""
    write(tmp_path / '.env', 'TAG=1\n# comment\n%s\n' % line)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: "web:${TAG}"\n')
    with pytest.raises(ComposeError) as info:
        load_project(project_src=str(tmp_path), environ={})
    assert 'env file %s line 3 is not KEY=VALUE' % (tmp_path / '.env') in info.value.msg
    assert SECRET not in info.value.msg and 'Hunter2' not in info.value.msg
    # the same for a service's env_file, and for env_files
    os.remove(str(tmp_path / '.env'))
    write(tmp_path / 'db.env', 'A=1\n%s\n' % line)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    env_file: db.env\n')
    with pytest.raises(ComposeError) as info:
        load_project(project_src=str(tmp_path), environ={})
    assert 'db.env line 2 is not KEY=VALUE' in info.value.msg and SECRET not in info.value.msg
    with pytest.raises(ComposeError) as info:
        load_project(project_src=str(tmp_path), env_files=['db.env'], environ={})
    assert 'db.env line 2 is not KEY=VALUE' in info.value.msg and SECRET not in info.value.msg


@pytest.mark.parametrize('value', ['pre${%s' % SECRET, 'x$-%s' % SECRET, '${!%s}' % SECRET,
                                   '${UNSET_X:?%s}' % SECRET])
def test_env_file_value_that_does_not_interpolate_is_named_never_shown(tmp_path, value):
    """An env file value with a broken ${...}: the error names the file, line and variable, not the value."""
    write(tmp_path / '.env', 'TAG=1\nDB_PASSWORD=%s\n' % value)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n')
    with pytest.raises(ComposeError) as info:
        load_project(project_src=str(tmp_path), environ={})
    assert '.env line 2 (DB_PASSWORD)' in info.value.msg, info.value.msg
    assert SECRET not in info.value.msg
    os.remove(str(tmp_path / '.env'))
    write(tmp_path / 'db.env', 'DB_PASSWORD=%s\n' % value)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    env_file: db.env\n')
    with pytest.raises(ComposeError) as info:
        load_project(project_src=str(tmp_path), environ={})
    assert 'db.env line 1 (DB_PASSWORD)' in info.value.msg and SECRET not in info.value.msg


def test_compose_file_interpolation_errors_still_show_the_text():
    with pytest.raises(ComposeError, match=r"unclosed \$\{ in 'a\$\{B'"):
        load({'services': {'web': {'image': 'a${B'}}})


def test_mask_value_is_a_short_stable_digest():
    import hashlib
    masked = model.mask_value(SECRET)
    assert masked == '<masked sha256:%s>' % hashlib.sha256(SECRET.encode()).hexdigest()[:12]
    assert SECRET not in masked and model.mask_value(SECRET) == masked and model.mask_value(SECRET + 'x') != masked
    assert model.mask_value('') == '<masked sha256:e3b0c44298fc>'
    assert model.mask_value(None) is None
    assert model.mask_value(8080) == model.mask_value('8080')
    assert model.mask_value('pässwörd').startswith('<masked sha256:')
    # the digest is the one secrets and configs show (in full there), not a second implementation
    assert masked[len('<masked sha256:'):-1] == model.value_digest(SECRET)[:model.MASK_DIGEST_CHARS]


def test_mask_service_masks_environment_and_build_args_only():
    svc = {'name': 'web', 'image': 'a', 'environment': {'PW': SECRET, 'EMPTY': ''},
           'build': {'context': '/srv', 'args': {'TOKEN': SECRET}, 'target': None}, 'labels': {'l': 'v'}}
    masked = model.mask_service(svc)
    assert masked['environment'] == {'PW': model.mask_value(SECRET), 'EMPTY': model.mask_value('')}
    assert masked['build'] == {'context': '/srv', 'args': {'TOKEN': model.mask_value(SECRET)}, 'target': None}
    assert masked['labels'] == {'l': 'v'} and masked['image'] == 'a'
    assert SECRET not in repr(masked)
    assert svc['environment']['PW'] == SECRET and svc['build']['args']['TOKEN'] == SECRET  # the original is untouched
    assert model.mask_service({'name': 'x', 'environment': {}}) == {'name': 'x', 'environment': {}}


def test_project_config_masks_env_file_values_unless_asked(tmp_path):
    """Values from .env, env_file and build args (also interpolated into environment:) are masked in the
    config; mask=False gives them in clear like docker compose config; the config hash is the same
    either way (masking is display only)."""
    from ansible_collections.berth.docker.plugins.module_utils.compose import convert as cp
    write(tmp_path / '.env', 'DB_PASSWORD=%s\nTAG=7\n' % SECRET)
    write(tmp_path / 'web.env', 'API_TOKEN=%s-token\n' % SECRET)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: "web:${TAG}"\n    env_file: web.env\n'
          '    environment:\n      PASSWORD: ${DB_PASSWORD}\n      TZ: UTC\n'
          '    build:\n      context: .\n      args:\n        PW: ${DB_PASSWORD}\n')
    project = load_project(project_src=str(tmp_path), environ={})
    hash_before = cp.config_hash(project.services['web'], 'sha256:x')
    config = model.project_config(project)
    assert SECRET not in repr(config)
    web = config['services']['web']
    assert web['image'] == 'web:7'
    assert web['environment'] == {'API_TOKEN': model.mask_value(SECRET + '-token'), 'PASSWORD': model.mask_value(SECRET),
                                  'TZ': model.mask_value('UTC')}
    assert web['build']['args'] == {'PW': model.mask_value(SECRET)}
    plain = model.project_config(project, mask=False)['services']['web']
    assert plain['environment']['PASSWORD'] == SECRET and plain['build']['args'] == {'PW': SECRET}
    assert cp.config_hash(project.services['web'], 'sha256:x') == hash_before


# ---------------------------------------------------------------- profiles

def test_profiles():
    doc = {'services': {'web': {'image': 'a'}, 'debug': {'image': 'b', 'profiles': ['dev']},
                        'docs': {'image': 'c', 'profiles': ['docs', 'dev']}}}
    assert set(load(doc).services) == {'web'}
    assert set(load(doc).disabled_services) == {'debug', 'docs'}
    assert set(load(doc, profiles=['docs']).services) == {'web', 'docs'}
    assert set(load(doc, profiles=['dev']).services) == {'web', 'debug', 'docs'}
    assert set(load(doc, environ={'COMPOSE_PROFILES': 'docs'}).services) == {'web', 'docs'}
    assert set(load(doc, services=['debug']).services) == {'web', 'debug'}


def test_dependency_on_disabled_service_fails():
    doc = {'services': {'web': {'image': 'a', 'depends_on': ['debug']}, 'debug': {'image': 'b', 'profiles': ['dev']}}}
    with pytest.raises(ComposeError, match='disabled by its profiles'):
        load(doc)


# ---------------------------------------------------------------- service normalisation

def test_reference_stack_normalised():
    doc = {'version': '3', 'services': {
        'db': {'container_name': 'mariadb', 'image': 'mariadb', 'restart': 'always', 'ports': ['3306:3306'],
               'volumes': ['./mariadb/data:/var/lib/mysql', './mariadb/config:/etc/mysql/conf.d'],
               'environment': ['MYSQL_ROOT_PASSWORD=mypass', 'TZ=Asia/Seoul']},
        'php': {'container_name': 'php-fpm', 'image': 'ifnlife/php-ext:v7.4.3', 'volumes': ['./www:/www'],
                'user': '1000:1000', 'environment': ['TZ=Asia/Seoul']},
        'nginx': {'container_name': 'nginx', 'image': 'nginx:latest', 'ports': ['8001:80'],
                  'volumes': ['./www:/www', './nginx/conf.d:/etc/nginx/conf.d', './nginx/logs:/var/log/nginx']}}}
    project = load(doc)
    db = project.services['db']
    assert db['container_name'] == 'mariadb' and db['restart'] == 'always'
    assert db['ports'] == [{'target': 3306, 'published': 3306, 'host_ip': '', 'protocol': 'tcp'}]
    assert db['volumes'][0] == {'type': 'bind', 'source': '/srv/app/mariadb/data', 'target': '/var/lib/mysql',
                                'read_only': False, 'create_host_path': True}
    assert db['environment'] == {'MYSQL_ROOT_PASSWORD': 'mypass', 'TZ': 'Asia/Seoul'}
    assert project.services['php']['user'] == '1000:1000'
    assert any('version key is obsolete' in w for w in project.warnings)
    assert project.order == ['db', 'php', 'nginx']  # the file's order (issue 12: nginx needs php running first)


@pytest.mark.parametrize('item,expected', [
    ('80', [{'target': 80, 'published': None, 'host_ip': '', 'protocol': 'tcp'}]),
    ('8001:80', [{'target': 80, 'published': 8001, 'host_ip': '', 'protocol': 'tcp'}]),
    ('127.0.0.1:8001:80/udp', [{'target': 80, 'published': 8001, 'host_ip': '127.0.0.1', 'protocol': 'udp'}]),
    ('127.0.0.1::80', [{'target': 80, 'published': None, 'host_ip': '127.0.0.1', 'protocol': 'tcp'}]),
    ('[::1]:8001:80', [{'target': 80, 'published': 8001, 'host_ip': '::1', 'protocol': 'tcp'}]),
    ('9000-9001:8000-8001', [{'target': 8000, 'published': 9000, 'host_ip': '', 'protocol': 'tcp'},
                             {'target': 8001, 'published': 9001, 'host_ip': '', 'protocol': 'tcp'}]),
    (8080, [{'target': 8080, 'published': None, 'host_ip': '', 'protocol': 'tcp'}]),
    ({'target': 80, 'published': '8080', 'host_ip': '127.0.0.1', 'protocol': 'udp', 'mode': 'host'},
     [{'target': 80, 'published': 8080, 'host_ip': '127.0.0.1', 'protocol': 'udp'}]),
    ({'target': 80}, [{'target': 80, 'published': None, 'host_ip': '', 'protocol': 'tcp'}]),
])
def test_ports(item, expected):
    assert values.parse_port(item, 'ports') == expected


@pytest.mark.parametrize('item,msg', [
    ('a:b', 'not a port number'), ('70000:80', 'outside'), ('80/icmp', 'protocol'), ('1-3:1-2', 'different lengths'),
    ({'published': 80}, 'needs target'), ({'target': 80, 'bogus': 1}, 'unknown keys'), ('1:2:3:4', 'not HOST_IP'),
])
def test_bad_ports(item, msg):
    with pytest.raises(ComposeError, match=msg):
        values.parse_port(item, 'ports')


@pytest.mark.parametrize('item,expected', [
    ('/data', {'type': 'volume', 'source': None, 'target': '/data', 'read_only': False}),
    ('data:/data:ro', {'type': 'volume', 'source': 'data', 'target': '/data', 'read_only': True}),
    ('./www:/www', {'type': 'bind', 'source': '/p/www', 'target': '/www', 'read_only': False, 'create_host_path': True}),
    ('../up:/up:ro,z', {'type': 'bind', 'source': '/up', 'target': '/up', 'read_only': True, 'create_host_path': True,
                        'selinux': 'z'}),
    ('/abs:/abs:rw', {'type': 'bind', 'source': '/abs', 'target': '/abs', 'read_only': False, 'create_host_path': True}),
    ({'type': 'bind', 'source': './x', 'target': '/x', 'read_only': True, 'bind': {'create_host_path': False}},
     {'type': 'bind', 'source': '/p/x', 'target': '/x', 'read_only': True, 'create_host_path': False}),
    ({'type': 'volume', 'source': 'data', 'target': '/d', 'volume': {'nocopy': True}},
     {'type': 'volume', 'source': 'data', 'target': '/d', 'read_only': False, 'nocopy': True}),
    ({'type': 'tmpfs', 'target': '/t', 'tmpfs': {'size': '64m'}},
     {'type': 'tmpfs', 'source': None, 'target': '/t', 'read_only': False, 'size': 64 * 1024 * 1024}),
])
def test_volumes(item, expected):
    assert values.parse_volume(item, '/p', 'volumes') == expected


def test_home_relative_volume():
    assert values.parse_volume('~/x:/x', '/p', 'v')['source'] == os.path.expanduser('~/x')


@pytest.mark.parametrize('item,msg', [('a:b', 'must be absolute'), ('a:/b:xx', 'unknown volume mode'),
                                      ({'type': 'nfs', 'target': '/x'}, 'must be bind'), ({'type': 'bind', 'target': '/x'}, 'needs source')])
def test_bad_volumes(item, msg):
    with pytest.raises(ComposeError, match=msg):
        values.parse_volume(item, '/p', 'volumes')


def test_undeclared_named_volume_fails():
    with pytest.raises(ComposeError, match="named volume 'data' is not declared"):
        load({'services': {'db': {'image': 'a', 'volumes': ['data:/var/lib/mysql']}}})


def test_all_service_keys():
    doc = {'services': {'web': {
        'image': 'web', 'command': 'httpd -f "a b"', 'entrypoint': ['/bin/sh', '-c'],
        'environment': {'N': 1, 'T': True, 'E': None}, 'expose': ['80', '90-91/udp'],
        'networks': {'front': {'aliases': ['www'], 'ipv4_address': '172.30.0.5'}, 'back': None},
        'depends_on': {'db': {'condition': 'service_healthy'}},
        'healthcheck': {'test': 'wget -q -O- localhost', 'interval': '1m30s', 'timeout': '500ms', 'retries': 3,
                        'start_period': 5},
        'restart': 'on-failure:3', 'hostname': 'h', 'user': 'u', 'working_dir': '/w', 'labels': ['a=b', 'c'],
        'extra_hosts': ['db.local:10.0.0.1'], 'dns': '1.1.1.1', 'logging': {'driver': 'json-file', 'options': {'max-size': '1m'}},
        'init': True, 'stop_signal': 'SIGINT', 'stop_grace_period': '1m', 'tmpfs': '/run', 'read_only': True,
        'ulimits': {'nofile': {'soft': 1024, 'hard': 2048}, 'nproc': 100}, 'cap_add': ['NET_ADMIN'], 'cap_drop': 'ALL',
        'deploy': {'replicas': 3, 'resources': {'limits': {'memory': '64M', 'cpus': '0.5'}}}, 'pull_policy': 'never',
        'x-custom': 1,
    }, 'db': {'image': 'db', 'build': {'context': './db', 'args': ['V=1', 'FROM_ENV'], 'target': 't'}}},
        'networks': {'front': {'ipam': {'config': [{'subnet': '172.30.0.0/24'}]}}, 'back': {'external': True, 'name': 'shared'}}}
    project = load(doc, environ={'FROM_ENV': 'e'})
    web = project.services['web']
    assert web['command'] == ['httpd', '-f', 'a b'] and web['entrypoint'] == ['/bin/sh', '-c']
    assert web['environment'] == {'N': '1', 'T': 'true'}
    assert web['expose'] == ['80/tcp', '90/udp', '91/udp']
    assert web['networks']['front'] == {'aliases': ['www'], 'ipv4_address': '172.30.0.5', 'ipv6_address': None, 'priority': 0}
    assert set(web['networks']) == {'front', 'back'}
    assert web['depends_on']['db']['condition'] == 'service_healthy'
    assert web['healthcheck'] == {'test': ['CMD-SHELL', 'wget -q -O- localhost'], 'interval': 90.0, 'timeout': 0.5,
                                  'retries': 3, 'start_period': 5.0}
    assert web['restart'] == 'on-failure:3' and web['labels'] == {'a': 'b', 'c': ''}
    assert web['extra_hosts'] == ['db.local:10.0.0.1'] and web['dns'] == ['1.1.1.1']
    assert web['logging'] == {'driver': 'json-file', 'options': {'max-size': '1m'}}
    assert web['init'] is True and web['read_only'] is True and web['stop_grace_period'] == 60.0
    assert web['tmpfs'] == ['/run'] and web['cap_drop'] == ['ALL']
    assert web['ulimits'] == {'nofile': {'soft': 1024, 'hard': 2048}, 'nproc': {'soft': 100, 'hard': 100}}
    assert web['scale'] == 3 and web['memory'] == 64 * 1024 * 1024 and web['cpus'] == 0.5
    assert web['pull_policy'] == 'never'
    db = project.services['db']
    assert db['build'] == {'context': '/srv/app/db', 'dockerfile': 'Dockerfile', 'args': {'V': '1', 'FROM_ENV': 'e'},
                           'target': 't', 'labels': {}, 'network': None, 'no_cache': False, 'pull': False}
    assert project.networks['back'] == dict(project.networks['back'], name='shared', external=True)
    assert project.networks['front']['name'] == 'app_front'
    assert project.networks['front']['ipam']['config'] == [{'Subnet': '172.30.0.0/24'}]
    assert project.warnings == []


def test_build_without_image_gets_project_image_name():
    project = load({'services': {'web': {'build': '.'}}})
    assert project.services['web']['image'] == 'app-web'
    assert project.services['web']['build']['context'] == '/srv/app'


def test_build_keeps_shm_size_extra_hosts_and_cache_from():
    """The build keys shm_size (bytes), extra_hosts (HOST:IP, sorted, like the service's) and cache_from
    (a list) reach the normalised build; they are there only when given, so every other build stays as it was."""
    project = load({'services': {
        'web': {'build': {'context': '.', 'shm_size': '256m', 'extra_hosts': ['db.local:10.0.0.1', 'api=10.0.0.2'],
                          'cache_from': 'web:cache'}},
        'api': {'build': {'context': '.', 'shm_size': 1024, 'extra_hosts': {'b': '10.0.0.3', 'a': '::1'},
                          'cache_from': ['x:1', 'y:2']}},
        'db': {'build': '.'}}})
    web, api, db = (project.services[name]['build'] for name in ('web', 'api', 'db'))
    assert (web['shm_size'], web['extra_hosts'], web['cache_from']) == (
        256 * 1024 ** 2, ['api:10.0.0.2', 'db.local:10.0.0.1'], ['web:cache'])
    assert (api['shm_size'], api['extra_hosts'], api['cache_from']) == (1024, ['a:::1', 'b:10.0.0.3'], ['x:1', 'y:2'])
    assert not set(db) & {'shm_size', 'extra_hosts', 'cache_from'}
    assert project.warnings == []
    with pytest.raises(ComposeError, match=r'services\.web\.build\.shm_size: .*not a size'):
        load({'services': {'web': {'build': {'context': '.', 'shm_size': 'lots'}}}})
    with pytest.raises(ComposeError, match=r'services\.web\.build\.extra_hosts: .*needs an address'):
        load({'services': {'web': {'build': {'context': '.', 'extra_hosts': ['nohost']}}}})


def test_healthcheck_disable_and_list():
    assert values.parse_healthcheck({'disable': True}, 'h') == {'test': ['NONE']}
    assert values.parse_healthcheck({'test': ['CMD', 'true']}, 'h') == {'test': ['CMD', 'true']}
    with pytest.raises(ComposeError, match='must start with CMD'):
        values.parse_healthcheck({'test': ['true']}, 'h')


@pytest.mark.parametrize('value,seconds', [('10s', 10), ('1m30s', 90), ('1h', 3600), ('250ms', 0.25), (5, 5), ('2', 2)])
def test_durations(value, seconds):
    assert values.parse_duration(value, 'd') == seconds


def test_bad_duration_and_size():
    with pytest.raises(ComposeError, match='not a duration'):
        values.parse_duration('10 parsecs', 'd')
    with pytest.raises(ComposeError, match='not a size'):
        values.parse_size('lots', 's')
    assert values.parse_size('1g', 's') == 1024 ** 3 and values.parse_size('512', 's') == 512


def test_runtime_and_resource_keys_reach_the_container_options():
    from ansible_collections.berth.docker.plugins.module_utils.compose import convert as cp
    raw = {'image': 'a', 'runtime': 'runc', 'userns_mode': 'host', 'cgroup': 'private', 'oom_score_adj': 100,
           'cpu_shares': 512, 'cpuset': '0', 'pids_limit': 64}
    project = load({'services': {'web': raw}})
    assert project.warnings == []
    opts = cp.container_options(project, project.services['web'], 1, 'h')
    assert (opts['runtime'], opts['userns_mode'], opts['cgroupns_mode']) == ('runc', 'host', 'private')
    assert (opts['oom_score_adj'], opts['cpu_shares'], opts['cpuset_cpus'], opts['pids_limit']) == (100, 512, '0', 64)
    # a service without them keeps the hash it had before they were supported
    plain = load({'services': {'web': {'image': 'a'}}}).services['web']
    assert not set(('runtime', 'userns_mode', 'cgroup', 'oom_score_adj', 'cpu_shares', 'cpuset', 'pids_limit')) & set(plain)
    with pytest.raises(ComposeError, match='cgroup'):
        load({'services': {'web': {'image': 'a', 'cgroup': 'shared'}}})
    with pytest.raises(ComposeError, match='pids_limit: expected a whole number'):
        load({'services': {'web': {'image': 'a', 'pids_limit': 'many'}}})


def test_platform_is_kept_and_reaches_create():
    project = load({'services': {'web': {'image': 'a', 'platform': 'linux/arm64'}, 'plain': {'image': 'a'}}})
    assert project.warnings == [] and project.services['web']['platform'] == 'linux/arm64'
    assert 'platform' in project.services['plain']  # as before: None, so existing config hashes stay


def test_unknown_keys_warn():
    project = load({'services': {'web': {'image': 'a', 'imagee': 'b', 'isolation': 'default', 'x-ok': 1,
                                         'deploy': {'placement': {}}}},
                    'extras': 1, 'x-top': 2})
    text = '\n'.join(project.warnings)
    assert 'services.web: unknown key imagee' in text
    assert 'services.web: isolation is not supported' in text
    assert 'unknown key extras' in text
    assert 'services.web.deploy: placement is not supported' in text
    assert 'x-ok' not in text and 'x-top' not in text


@pytest.mark.parametrize('service,msg', [
    ({}, 'neither image nor build'),
    ({'image': 'a', 'restart': 'sometimes'}, 'restart'),
    ({'image': 'a', 'depends_on': {'db': {'condition': 'service_ready'}}}, 'condition'),
    ({'image': 'a', 'networks': ['nope']}, "network 'nope' is not declared"),
    ({'image': 'a', 'network_mode': 'host', 'networks': ['default']}, 'cannot both'),
    ({'image': 'a', 'container_name': 'x', 'scale': 2}, 'cannot have 2 replicas'),
    ({'image': 'a', 'labels': {'com.docker.compose.project': 'x'}}, 'reserved'),
    ({'image': 'a', 'pull_policy': 'sometimes'}, 'pull_policy'),
    ({'image': 'a', 'scale': 'many'}, 'whole number'),
    ({'image': 'a', 'extra_hosts': ['noaddr']}, 'needs an address'),
])
def test_bad_services(service, msg):
    with pytest.raises(ComposeError, match=msg):
        load({'services': {'web': service}})


# ---------------------------------------------------------------- dependencies

def test_dependency_order_and_cycle():
    doc = {'services': {'web': {'image': 'a', 'depends_on': ['php']}, 'php': {'image': 'a', 'depends_on': ['db']},
                        'db': {'image': 'a'}, 'side': {'image': 'a', 'network_mode': 'service:web'}}}
    assert load(doc).order == ['db', 'php', 'web', 'side']
    doc['services']['db']['depends_on'] = ['web']
    with pytest.raises(ComposeError, match='dependency cycle between services: db -> web -> php -> db'):
        load(doc)


def test_self_dependency_and_unknown_dependency():
    with pytest.raises(ComposeError, match='cycle.*web -> web'):
        load({'services': {'web': {'image': 'a', 'depends_on': ['web']}}})
    with pytest.raises(ComposeError, match='depends on ghost, which is not a service'):
        load({'services': {'web': {'image': 'a', 'depends_on': ['ghost']}}})


def test_with_dependencies():
    project = load({'services': {'web': {'image': 'a', 'depends_on': ['php']}, 'php': {'image': 'a', 'depends_on': ['db']},
                                 'db': {'image': 'a'}, 'other': {'image': 'a'}}})
    assert sorted(graph.with_dependencies(project.services, ['web'])) == ['db', 'php', 'web']


def test_project_config_like_compose_config():
    project = load({'services': {'web': {'image': 'a:${T:-1}'}}})
    config = model.project_config(project)
    assert config['name'] == 'app' and config['services']['web']['image'] == 'a:1'
    assert config['networks']['default']['name'] == 'app_default'


def test_definition_without_project_src():
    project = load_project(definition={'name': 'Inline', 'services': {'web': {'image': 'a', 'volumes': ['/abs:/x']}}}, environ={})
    assert project.name == 'inline' and project.base_dir is None and project.working_dir == os.getcwd()
    with pytest.raises(ComposeError, match=r'relative path \./www in definition needs a project directory.*project_src'):
        load_project(definition={'services': {'web': {'image': 'a', 'volumes': ['./www:/www']}}}, project_name='x', environ={})
    with pytest.raises(ComposeError, match='set project_name'):
        load_project(definition={'services': {'web': {'image': 'a'}}}, environ={})


@pytest.mark.parametrize('text', ['10s', '1m30s', '250ms', '1h', '2', '1.5s', '3µs', '1h2m3s4ms'])
def test_durations_use_the_container_grammar(text):
    assert values.parse_duration(text, 'd') == units.parse_duration(text, 'd') / 1e9


@pytest.mark.parametrize('text', ['512m', '1g', '1.5GB', '100b', '2k', '1048576'])
def test_sizes_use_the_container_grammar(text):
    assert values.parse_size(text, 's') == units.parse_size(text, 's')


def test_secrets_and_configs_file_environment_content():
    from ansible_collections.berth.docker.plugins.module_utils.compose import convert as cp
    import hashlib
    import io
    import tarfile
    definition = {
        'secrets': {'db_pw': {'file': './secrets/db_pw'}, 'api_key': {'environment': 'API_KEY'}},
        'configs': {'nginx': {'content': 'server {}\n'}, 'motd': {'file': '/etc/motd'}},
        'services': {
            'web': {'image': 'a',
                    'secrets': ['db_pw', {'source': 'api_key', 'target': 'key', 'mode': '0400', 'uid': '33'}],
                    'configs': [{'source': 'nginx', 'target': '/etc/nginx/conf.d/site.conf'}, 'motd']},
            'plain': {'image': 'a'}}}
    project = load(definition, environ={'API_KEY': 's3cret'})
    web = project.services['web']
    assert web['secrets'] == [
        {'source': 'db_pw', 'target': '/run/secrets/db_pw', 'uid': '0', 'gid': '0', 'mode': 0o444,
         'file': '/srv/app/secrets/db_pw'},
        {'source': 'api_key', 'target': '/run/secrets/key', 'uid': '33', 'gid': '0', 'mode': 0o400,
         'digest': hashlib.sha256(b's3cret').hexdigest()}]
    assert [c['target'] for c in web['configs']] == ['/etc/nginx/conf.d/site.conf', '/motd']
    assert 'secrets' not in project.services['plain']  # its config hash is what it was
    # the content is nowhere in the normalised service or compose config, only its digest
    assert 's3cret' not in repr(model.project_config(project)) and 's3cret' not in repr(web)
    # files: read-only binds; environment / content: an archive copied in before the start
    # (asserted on the create body: compose no longer writes CLI strings in between, issue 11)
    binds = cp.create_body(project, web, 1, 'h')['HostConfig']['Binds']
    assert '/srv/app/secrets/db_pw:/run/secrets/db_pw:ro' in binds and '/etc/motd:/motd:ro' in binds
    with tarfile.open(fileobj=io.BytesIO(cp.file_objects_archive(project, web))) as tar:
        key = tar.getmember('run/secrets/key')
        assert (key.mode, key.uid, tar.extractfile(key).read()) == (0o400, 33, b's3cret')
        assert tar.extractfile('etc/nginx/conf.d/site.conf').read() == b'server {}\n'
        assert tar.getmember('etc/nginx').isdir()
    assert cp.file_objects_archive(project, project.services['plain']) is None
    # a changed secret changes the hash (recreate); its file's content does not (a live bind)
    other = load(definition, environ={'API_KEY': 'rotated'})
    assert cp.config_hash(web, 'sha256:x') != cp.config_hash(other.services['web'], 'sha256:x')


@pytest.mark.parametrize('definition,needle', [
    ({'secrets': {'s': {'external': True}}, 'services': {'w': {'image': 'a', 'secrets': ['s']}}}, 'external secrets live in a swarm'),
    ({'secrets': {'s': {'environment': 'NOPE'}}, 'services': {'w': {'image': 'a'}}}, 'NOPE is not set'),
    ({'secrets': {'s': {'content': 'x'}}, 'services': {'w': {'image': 'a'}}}, 'needs exactly one of file, environment'),
    ({'services': {'w': {'image': 'a', 'configs': ['c']}}}, 'c is not declared under the top-level configs'),
    ({'configs': {'c': {'content': 'x'}}, 'services': {'w': {'image': 'a', 'configs': [{'source': 'c', 'mode': 'rw'}]}}},
     'not an octal number'),
])
def test_secrets_and_configs_bad_input(definition, needle):
    with pytest.raises(ComposeError, match=needle):
        load(definition)


def test_extends_same_file_and_other_file(tmp_path):
    write(tmp_path / 'common.yml', 'services:\n  base:\n    image: app:${TAG:-1}\n    environment: {A: "1", B: "1"}\n'
          '    ports: ["8080:80"]\n    depends_on: [db]\n  db:\n    image: db\n')
    write(tmp_path / 'compose.yaml', '''
services:
  template:
    image: tmpl
    init: true
    labels: {tier: web}
    volumes_from: [other]
  other:
    image: other
  web:
    extends: {file: common.yml, service: base}
    environment: {B: "2"}
  worker:
    extends: template
    command: ["run"]
  chained:
    extends: worker
    labels: {extra: "yes"}
''')
    project = load_project(project_src=str(tmp_path), environ={'TAG': '7'})
    web = project.services['web']
    assert web['image'] == 'app:7' and web['environment'] == {'A': '1', 'B': '2'}
    assert web['ports'] == [{'target': 80, 'published': 8080, 'host_ip': '', 'protocol': 'tcp'}]
    assert web['depends_on'] == {}  # never inherited
    worker = project.services['worker']
    assert worker['image'] == 'tmpl' and worker['init'] is True and worker['command'] == ['run']
    assert not worker.get('volumes_from')  # never inherited
    chained = project.services['chained']
    assert chained['command'] == ['run'] and chained['labels'] == {'tier': 'web', 'extra': 'yes'}
    assert 'template' in project.services  # a base stays a service, as in compose
    assert not any('extends' in w for w in project.warnings)


@pytest.mark.parametrize('services,needle', [
    ({'a': {'extends': 'b'}, 'b': {'extends': 'a', 'image': 'x'}}, 'a cycle'),
    ({'a': {'extends': 'nope'}}, 'extends names service nope'),
    ({'a': {'extends': {'file': 'missing.yml', 'service': 'x'}}}, 'missing.yml'),
    ({'a': {'extends': {'file': 'x.yml'}}}, 'service name or a mapping with service'),
])
def test_extends_bad_input(services, needle):
    with pytest.raises(ComposeError, match=needle):
        load({'services': services})


def test_include_loads_other_files_with_their_own_directory_and_env(tmp_path):
    write(tmp_path / 'db' / 'compose.yaml', '''
include: [../cache/compose.yaml]
services:
  db:
    image: db:${DB_TAG}
    build: ./image
    volumes: ["./data:/var/lib/db", "named:/other"]
    env_file: ./db.env
secrets:
  pw: {file: ./pw.txt}
volumes:
  named: {}
''')
    write(tmp_path / 'db' / '.env', 'DB_TAG=15\n')
    write(tmp_path / 'db' / 'db.env', 'X=1\n')
    write(tmp_path / 'cache' / 'compose.yaml', 'services:\n  cache:\n    image: cache:1\n')
    write(tmp_path / 'compose.yaml', '''
include:
  - db/compose.yaml
services:
  web:
    image: web:1
    depends_on: [db, cache]
    volumes: ["./www:/www"]
''')
    project = load_project(project_src=str(tmp_path), environ={})
    assert sorted(project.services) == ['cache', 'db', 'web']
    db = project.services['db']
    assert db['image'] == 'db:15' and db['build']['context'] == str(tmp_path / 'db' / 'image')
    sources = sorted(v.get('source') for v in db['volumes'])
    assert str(tmp_path / 'db' / 'data') in sources
    assert db['environment'].get('X') == '1'  # its env_file, found in its own directory
    assert project.secrets == {'pw': {'file': str(tmp_path / 'db' / 'pw.txt')}}
    assert 'named' in project.volumes
    web_sources = [v.get('source') for v in project.services['web']['volumes']]
    assert web_sources == [str(tmp_path / 'www')]
    assert not any('include' in w for w in project.warnings)


def test_include_conflicts_and_loops_are_refused(tmp_path):
    write(tmp_path / 'other.yaml', 'services:\n  web:\n    image: other\n')
    write(tmp_path / 'compose.yaml', 'include: [other.yaml]\nservices:\n  web:\n    image: web\n')
    with pytest.raises(ComposeError, match='service web of .*other.yaml is also defined in the project'):
        load_project(project_src=str(tmp_path), environ={})
    write(tmp_path / 'loop.yaml', 'include: [loop.yaml]\nservices:\n  x:\n    image: x\n')
    write(tmp_path / 'compose.yaml', 'include: [loop.yaml]\nservices:\n  web:\n    image: web\n')
    with pytest.raises(ComposeError, match='includes itself'):
        load_project(project_src=str(tmp_path), environ={})
    write(tmp_path / 'compose.yaml', 'include: [missing.yaml]\nservices:\n  web:\n    image: web\n')
    with pytest.raises(ComposeError, match='missing.yaml does not exist'):
        load_project(project_src=str(tmp_path), environ={})


# The env-file rules of the compose specification ("Syntax for environment files"), one case each:
# (line, the value compose gives, whether it is interpolated). Values with $ show the interpolation.
ENV_FILE_RULES = [
    ('VAR=VAL', 'VAL'),
    ('VAR="VAL"', 'VAL'),
    ("VAR='VAL'", 'VAL'),
    ('VAR=VAL # comment', 'VAL'),                            # an inline comment after a blank
    ('VAR=VAL# not a comment', 'VAL# not a comment'),        # no blank: part of the value
    ('VAR="VAL # not a comment"', 'VAL # not a comment'),    # inside quotes: part of the value
    ('VAR="VAL" # comment', 'VAL'),                          # after the closing quote: a comment
    ("VAR='$OTHER'", '$OTHER'),                              # single quotes: literal
    ("VAR='${OTHER}'", '${OTHER}'),
    ("VAR='Let\\'s go!'", "Let's go!"),                      # an escaped quote
    ('VAR="{\\"hello\\": \\"json\\"}"', '{"hello": "json"}'),
    ('VAR="some\\tvalue"', 'some\tvalue'),                   # escapes in double quotes
    ("VAR='some\\tvalue'", 'some\\tvalue'),                  # not in single quotes
    ('VAR=some\\tvalue', 'some\\tvalue'),                    # nor unquoted
    ('VAR="a\\nb\\rc\\\\d"', 'a\nb\rc\\d'),
    ('VAR="a\\\\nb"', 'a\\nb'),                              # processed once: \\n is a backslash and n
    ('VAR=$OTHER', 'other'),                                 # unquoted: interpolated
    ('VAR="$OTHER-x"', 'other-x'),                           # double quotes: interpolated
    ('export VAR=VAL', 'VAL'),
    ('VAR=', ''),
    ('VAR= # only a comment', ''),
    ('VAR=  spaced  ', 'spaced'),
    ('VAR="first\nsecond"', 'first\nsecond'),                # a quoted value may span lines
    ("PW='pa$word'", 'pa$word'),                             # the cases issue 12 names
    ('GREETING="hello" # comment', 'hello'),
]


@pytest.mark.parametrize('line,expected', ENV_FILE_RULES, ids=[r[0] for r in ENV_FILE_RULES])
def test_env_file_rules_of_the_compose_spec(tmp_path, line, expected):
    """Each rule, through a service's env_file and through .env (the project's interpolation)."""
    key = line.split('=', 1)[0].replace('export ', '')
    write(tmp_path / 'web.env', 'OTHER=other\n%s\n' % line)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    env_file: web.env\n')
    assert load_project(project_src=str(tmp_path), environ={'OTHER': 'other'}).services['web']['environment'][key] == expected
    write(tmp_path / '.env', 'OTHER=other\n%s\n' % line)
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    environment:\n      X: "${%s}"\n' % key)
    assert load_project(project_src=str(tmp_path), environ={}).services['web']['environment']['X'] == expected


@pytest.mark.parametrize('text', ['VAR="never closed\nOTHER=1\n', "VAR='a' b\n", 'VAR="a"b\n'])
def test_env_file_broken_quotes_are_named_never_shown(text):
    with pytest.raises(ComposeError) as info:
        source.parse_env_file_text(text + 'SECRET_MARK=1\n', 'env file x.env')
    assert 'env file x.env line 1' in info.value.msg and 'VAR' in info.value.msg
    assert 'never closed' in info.value.msg or 'more than a comment' in info.value.msg
    assert 'closed\n' not in info.value.msg and "'a'" not in info.value.msg


def test_later_env_file_value_decides_whether_it_is_literal(tmp_path):
    """env_files in order: the value of the last file that sets a key counts, quoting included."""
    write(tmp_path / 'a.env', "V='$X'\n")
    write(tmp_path / 'b.env', 'V=$X\n')
    write(tmp_path / 'compose.yml', 'services:\n  web:\n    image: a\n    environment:\n      E: "${V}"\n')
    env = load_project(project_src=str(tmp_path), env_files=['a.env'], environ={'X': '1'}).services['web']['environment']
    assert env['E'] == '$X'
    env = load_project(project_src=str(tmp_path), env_files=['a.env', 'b.env'], environ={'X': '1'}).services['web']['environment']
    assert env['E'] == '1'


def test_compose_files_are_yaml_1_2_and_boolean_keys_cast_like_compose_go(tmp_path):
    """compose v2 reads YAML 1.2: yes/no/on/off are strings (an environment keeps "yes", a key
    named OFF stays OFF); boolean keys cast true/false, y/yes/on and n/no/off strings, whatever
    their case, and refuse anything else, naming the key."""
    write(tmp_path / 'compose.yaml', 'services:\n  web:\n    image: busybox\n    init: yes\n    restart: no\n'
          '    read_only: "Off"\n    tty: ${TTY}\n    environment:\n      FLAG: yes\n      OFF: off\n      T: true\n'
          '    volumes:\n      - {type: bind, source: ., target: /src, read_only: "on"}\n'
          'networks:\n  edge:\n    internal: "no"\n')
    project = load_project(project_src=str(tmp_path), project_name='y', environ={'TTY': 'false'})
    web = project.services['web']
    assert web['environment'] == {'FLAG': 'yes', 'OFF': 'off', 'T': 'true'}
    assert (web['init'], web['restart'], web['read_only'], web['tty']) == (True, 'no', False, False)
    assert web['volumes'][0]['read_only'] is True and project.networks['edge']['internal'] is False
    # before, an interpolated "false" was a non-empty string, so true
    write(tmp_path / 'compose.yaml', 'services:\n  web:\n    image: busybox\n    init: maybe\n')
    with pytest.raises(ComposeError, match=r"services.web.init: 'maybe' is not a boolean"):
        load_project(project_src=str(tmp_path), project_name='y', environ={})


@pytest.mark.parametrize('text,expected', [('true', True), ('FALSE', False), ('Yes', True), ('n', False),
                                           ('ON', True), ('off', False), (True, True), (None, None)])
def test_to_bool(text, expected):
    assert values.to_bool(text, 'x') is expected
