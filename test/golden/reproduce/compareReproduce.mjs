// By hand, after `Rscript reproduce.R` in a report folder (R is not a test dependency):
//   node test/golden/reproduce/compareReproduce.mjs REPORT_DIR
// Walks reproduce.json (R's numbers) and report.json side by side over the survival,
// cumulativeIncidence and cox sections, and prints the largest relative difference, where it is,
// how many numbers were compared and which of R's keys report.json lacks (or vice versa).
import fs from 'node:fs';
import path from 'node:path';

export function compareReproduce(report, reproduce) {
  let compared = 0;
  let worst = { rel: 0, path: '', app: null, r: null };
  const missing = [];
  const nulls = [];
  const walk = (a, r, at) => {
    if (r === null || r === undefined) {
      if (a !== null && a !== undefined && typeof a === 'number') nulls.push(`${at}: app ${a}, R null`);
      return;
    }
    if (typeof r === 'number') {
      if (typeof a !== 'number') {
        if (a === null) nulls.push(`${at}: app null, R ${r}`);
        else missing.push(at);
        return;
      }
      compared++;
      const rel = a === r ? 0 : Math.abs(a - r) / Math.max(Math.abs(r), Math.abs(a));
      if (rel > worst.rel) worst = { rel, path: at, app: a, r };
      return;
    }
    if (Array.isArray(r)) {
      if (!Array.isArray(a)) return missing.push(at);
      if (a.length !== r.length) missing.push(`${at} (length app ${a.length}, R ${r.length})`);
      r.forEach((x, i) => walk(a[i], x, `${at}[${i}]`));
      return;
    }
    if (typeof r === 'object') {
      if (a === null || typeof a !== 'object') return missing.push(at);
      for (const k of Object.keys(r)) walk(a[k], r[k], `${at}.${k}`);
    }
  };
  for (const section of ['survival', 'cumulativeIncidence', 'cox']) walk(report[section], reproduce[section], section);
  return { compared, worst, missing, nulls };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2] ?? '.';
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const out = compareReproduce(read('report.json'), read('reproduce.json'));
  console.log(JSON.stringify({ ...out, missing: out.missing.slice(0, 50), nulls: out.nulls.slice(0, 50), missingCount: out.missing.length, nullCount: out.nulls.length }, null, 2));
}
