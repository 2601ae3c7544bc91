// Child process: opens an older study, which migrates it, and SIGKILLs itself inside the migration
// transaction (after the last migration's statements ran, before COMMIT).
import { openStudy } from '../../../electron/services/db/studyFile';
import { migrations } from '../../../electron/services/db/migrations/index';

const killing = migrations.map((m) =>
  m.version === migrations.length
    ? {
        ...m,
        up(db: Parameters<typeof m.up>[0]) {
          m.up(db);
          process.stdout.write('killing inside the migration\n');
          process.kill(process.pid, 'SIGKILL');
        },
      }
    : m,
);
await openStudy(process.argv[2], { migrations: killing });
process.stdout.write('finished without being killed\n');
