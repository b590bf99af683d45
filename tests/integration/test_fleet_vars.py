"""The fleet-mode variables the web tier reads (playbooks/vars/fleet.yml and fleet_web.yml), computed by
Ansible from an inventory alone: no engine, no node. web_stack_remove_orphans is off only for a web host
that is also the dbservers host (its db container would look like an orphan of the web tier's project), and
such a host's web tier writes a compose file of its own; site.yml's db play reads the same
__berth_fleet_tiers_share_host (end to end: tests/lab/test_fleet_shared_host.py)."""

import os

import yaml

from tests.support.ansible_run import ROOT, run_playbook


def test_remove_orphans_is_off_only_where_the_db_tier_shares_the_host(tmp_path):
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
    inventory = tmp_path / 'fleet.yml'
    inventory.write_text(yaml.safe_dump({'all': {'vars': local, 'children': {
        'webservers': {'hosts': {'both': None, 'webonly': None}},
        'dbservers': {'hosts': {'both': None}},
        'loadbalancers': {'hosts': {'lb': None}}}}}))
    play = [{'hosts': 'webservers', 'gather_facts': False,
             'vars_files': [os.path.join(ROOT, 'playbooks', 'vars', f) for f in ('fleet.yml', 'fleet_web.yml')],
             'tasks': [{'name': 'orphans', 'ansible.builtin.set_fact': {
                 'seen': '{{ web_stack_remove_orphans | bool }}',
                 'compose_file': '{{ web_stack_compose_file }}',
                 'shared': '{{ __berth_fleet_tiers_share_host | bool }}'}}]}]
    run = run_playbook(play, inventory=str(inventory)).assert_ok()
    assert run.task('orphans', host='both')['ansible_facts']['seen'] is False
    assert run.task('orphans', host='webonly')['ansible_facts']['seen'] is True
    assert run.task('orphans', host='both')['ansible_facts']['shared'] is True
    assert run.task('orphans', host='webonly')['ansible_facts']['shared'] is False
    # the web tier's compose file: its own where the db tier writes one too (site.yml's db play: docker-compose.db.yaml)
    assert run.task('orphans', host='both')['ansible_facts']['compose_file'] == 'docker-compose.web.yaml'
    assert run.task('orphans', host='webonly')['ansible_facts']['compose_file'] == 'docker-compose.yaml'
