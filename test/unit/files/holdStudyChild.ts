// Child process: opens a study for writing as the app does ('app' holder, or 'rtcw' when given),
// prints "holding", and keeps it open until stdin closes (or it is killed). Used by writerLock.test.ts.
import { openStudy } from '../../../electron/services/db/studyFile';

const study = await openStudy(process.argv[2], { program: process.argv[3] === 'rtcw' ? 'rtcw' : 'app' });
process.stdout.write(`holding ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  study.close();
  process.stdout.write('closed\n');
  process.exit(0);
});
