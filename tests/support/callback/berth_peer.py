# Test-only callback for the peer tier (tests/support/peer.py): records, for every task result, the
# task name, the status (ok, changed, failed, ignored, skipped, unreachable), the first line of the
# message and the seconds since the task started, as JSON in $BERTH_PEER_RECORD.

DOCUMENTATION = r'''
name: berth_peer
type: aggregate
short_description: record task statuses and durations (berth.docker peer tests only)
description: Writes a JSON list of task statuses to the file named by BERTH_PEER_RECORD.
requirements: [enable in configuration]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'berth_peer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.records = []
        self.started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.time()

    def _record(self, result, status):
        data = result._result
        msg = data.get('msg') or data.get('exception') or ''
        if not isinstance(msg, str):
            msg = json.dumps(msg, default=str)
        if data.get('assertion'):  # a failed assert: which condition
            msg = '%s: %s' % (msg.strip(), ' '.join(str(data['assertion']).split()))
        if status == 'ok' and data.get('changed'):
            status = 'changed'
        start = self.started.get(result._task._uuid, time.time())
        self.records.append({
            'task': result._task.get_name(),
            'status': status,
            'msg': (msg.strip().splitlines() or [''])[0][:400],
            'seconds': round(time.time() - start, 2),
        })

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, 'ignored' if ignore_errors else 'failed')

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BERTH_PEER_RECORD')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.records, handle, indent=0)
