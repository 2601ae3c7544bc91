// Minimal XLSX files written part by part (yazl), so a test controls every byte of the sheet XML:
// hostile cells, formulas without cached values, huge row counts, bombs. Sheet XML is passed as a
// generator of strings so a million rows never sit in memory at once.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import yazl from 'yazl';

const contentTypes = (sheets: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${Array.from({ length: sheets }, (_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('')}</Types>`;

export interface XlsxSheet {
  name: string;
  /** The <sheetData> content, in pieces. */
  rows: () => Iterable<string>;
}

export function writeXlsx(file: string, sheets: XlsxSheet[]): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(contentTypes(sheets.length)), '[Content_Types].xml');
  zip.addBuffer(
    Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    '_rels/.rels',
  );
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheets.map((s, i) => `<sheet name="${s.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    ),
    'xl/workbook.xml',
  );
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`,
    ),
    'xl/_rels/workbook.xml.rels',
  );
  sheets.forEach((sheet, i) => {
    function* parts() {
      yield '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
      yield* sheet.rows();
      yield '</sheetData></worksheet>';
    }
    zip.addReadStream(Readable.from(parts(), { objectMode: false }), `xl/worksheets/sheet${i + 1}.xml`);
  });
  zip.end();
  return new Promise((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject);
  });
}

/** One row of inline-string / number cells: `cells` maps a cell reference to its value. */
export function row(r: number, cells: Record<string, string | number>): string {
  const xml = Object.entries(cells)
    .map(([ref, v]) => (typeof v === 'number' ? `<c r="${ref}"><v>${v}</v></c>` : `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>`))
    .join('');
  return `<row r="${r}">${xml}</row>`;
}
