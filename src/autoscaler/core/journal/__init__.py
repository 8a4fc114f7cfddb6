"""The job journal: durable records of scaling jobs and of the cloud steps they take, and the
recovery of jobs cut short.

- `store.Journal`: the storage interface (`sqlite.SQLiteJournal` implements it);
- `recorder.JournalRecorder`: a `JobReporter` and the builtins' `IntentRecorder`, writing to it;
- `recovery.Recovery`: brings what an interrupted job touched back to a safe state;
- `location`: where a Core's journal file lives, and its settings.
"""
