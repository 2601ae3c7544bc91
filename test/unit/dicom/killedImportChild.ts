// Child process of importDicom.test.ts: runs `study import-dicom` in-process and kills itself
// (SIGKILL, no cleanup) in the middle of the commit transaction, after `killAfter` courses.
import { importDicomFolder } from '../../../electron/services/dicom/dicomImport';

const [studyPath, dir, killAfter] = process.argv.slice(2);
await importDicomFolder(studyPath, dir, {
  workers: 1,
  onProgress: (p) => {
    if (p.phase === 'committing' && p.done >= Number(killAfter)) {
      process.stdout.write(`killing at ${p.done}/${p.total}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
process.stdout.write('finished without being killed\n');
