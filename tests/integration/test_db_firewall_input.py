"""roles/web_stack/tasks/db_firewall.yml refuses a web_stack_db_allowed_sources entry that is not an IP
address or network, with a message naming the variable and the value, before any rule is touched: the
engine's DOCKER-USER chain is byte for byte what it was."""

import subprocess

from tests.support.ansible_run import run_tasks


def _docker_user():
    return subprocess.run(['iptables', '-w', '-S', 'DOCKER-USER'], capture_output=True, text=True, check=False).stdout


def test_a_bad_allowed_source_fails_clearly_and_touches_no_rule(engine, prefix):
    before = _docker_user()
    tasks = [{'name': 'firewall', 'ansible.builtin.include_role': {'name': 'berth.docker.web_stack', 'tasks_from': 'db_firewall'},
              'vars': {'web_stack_project': prefix + 'stack', 'web_stack_db_port': 3306,
                       'web_stack_db_allowed_sources': ['10.1.2.3', 'web1.example; iptables -F']}}]
    run = run_tasks(tasks)
    assert run.rc != 0 and run.failed, run.output[-3000:]
    message = run.task('berth.docker.web_stack : Check the allowed sources (addresses or networks)')['msg']
    assert 'web_stack_db_allowed_sources takes IP addresses or networks (CIDR)' in message, message
    assert 'web1.example; iptables -F' in message, message
    assert _docker_user() == before
    assert prefix not in _docker_user()
