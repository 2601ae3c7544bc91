// Design matrix of a regression model: numeric covariates as they are, factors as indicator
// (treatment-contrast) columns against a reference level — R's model.matrix with contr.treatment.
// Column order follows the covariate order; a factor's columns follow its level order without the
// reference, and are named `B=level` (cli.md).

export type CovariateColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | {
      name: string;
      kind: 'factor';
      /** Levels in cli.md group order (numeric order if all numeric, else code point). */
      levels: readonly string[];
      /** Per row, index into `levels`. */
      codes: Int32Array;
      /** Reference level; default the first level. */
      reference?: string;
    };

export interface DesignTerm {
  /** Covariate (column) name. */
  name: string;
  /** Indexes of this term's columns in the design matrix. */
  columns: number[];
  kind: 'numeric' | 'factor';
  reference?: string;
}

export interface DesignMatrix {
  n: number;
  /** Columns of the matrix, each of length n. */
  columns: Float64Array[];
  /** Column names: the covariate name, or `B=level` for a factor's indicator. */
  names: string[];
  terms: DesignTerm[];
}

/** Bad model specification (one-level factor, unknown reference level …): the message is for the user. */
export class ModelSpecificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSpecificationError';
  }
}

export function designMatrix(covariates: readonly CovariateColumn[], n: number): DesignMatrix {
  const columns: Float64Array[] = [];
  const names: string[] = [];
  const terms: DesignTerm[] = [];
  const seen = new Set<string>();
  for (const cov of covariates) {
    if (seen.has(cov.name)) throw new ModelSpecificationError(`covariate '${cov.name}' is listed twice`);
    seen.add(cov.name);
    if (cov.kind === 'numeric') {
      if (cov.values.length !== n) throw new Error(`covariate '${cov.name}' has ${cov.values.length} values, expected ${n}`);
      terms.push({ name: cov.name, columns: [columns.length], kind: 'numeric' });
      columns.push(cov.values);
      names.push(cov.name);
      continue;
    }
    const { levels, codes } = cov;
    if (codes.length !== n) throw new Error(`factor '${cov.name}' has ${codes.length} values, expected ${n}`);
    // Only levels present in the rows used count (R's drop.unused.levels).
    const count = new Int32Array(levels.length);
    for (let i = 0; i < n; i++) count[codes[i]]++;
    const present = levels.filter((_, k) => count[k] > 0);
    if (present.length < 2) {
      throw new ModelSpecificationError(
        present.length === 1
          ? `factor '${cov.name}' has only one level ('${present[0]}') in the rows used; it cannot be estimated — remove it from the model`
          : `factor '${cov.name}' has no values in the rows used`,
      );
    }
    const reference = cov.reference ?? present[0];
    const refIndex = levels.indexOf(reference);
    if (refIndex < 0 || count[refIndex] === 0) {
      throw new ModelSpecificationError(
        `reference level '${reference}' is not a value of factor '${cov.name}' (levels: ${present.join(', ')})`,
      );
    }
    const term: DesignTerm = { name: cov.name, columns: [], kind: 'factor', reference };
    for (let k = 0; k < levels.length; k++) {
      if (k === refIndex || count[k] === 0) continue;
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) if (codes[i] === k) col[i] = 1;
      term.columns.push(columns.length);
      columns.push(col);
      names.push(`${cov.name}=${levels[k]}`);
    }
    terms.push(term);
  }
  return { n, columns, names, terms };
}
