# Test-only callback: records every task result of a playbook run as JSON in $BERTH_RECORD,
# so tests assert on `changed`, `failed`, `msg` and return values instead of parsing output.


DOCUMENTATION = r'''
name: berth_record
type: aggregate
short_description: record task results as JSON (berth.docker tests only)
description: Writes a JSON list of task results to the file named by BERTH_RECORD.
requirements: [enable in configuration]
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'berth_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.records = []

    def _record(self, result, status):
        data = json.loads(self._dump_results(result._result, keep_invocation=True))
        if status in ('failed', 'ignored', 'unreachable'):
            data.setdefault('failed', True)
        self.records.append({
            'task': result._task.get_name(),
            'host': result._host.get_name(),
            'status': status,
            'result': data,
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
        path = os.environ.get('BERTH_RECORD')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.records, handle, indent=1)
