"""The README's main job, playbooks/site.yml on inventory/local.yml: check mode, real run, check
mode again, real run again; this host's engine is already up (the engine fixture), so every run
must leave it as it is and report it. The web stack plays are switched off here
(berth_site_web_stack: false): tests/integration/test_web_stack.py runs them on private ports."""

import os

from tests.support.ansible_run import ROOT, run_playbook


def test_site_playbook_is_idempotent_on_this_host(engine):
    site = os.path.join(ROOT, 'playbooks', 'site.yml')
    for check in (True, False, True, False):
        run = run_playbook(site, check=check, diff=True, extra_vars={'berth_site_web_stack': False}).assert_ok()
        assert run.changed == [], 'site.yml changed %s on an engine already up:\n%s' % (run.changed, run.output[-3000:])
        report = run.task('Read the engine\'s facts')
        assert report['can_talk_to_docker'] is True
