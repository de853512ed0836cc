/**
 * RFC 4180 CSV, streamed: quoted fields with embedded commas, quotes ("") and line breaks, CRLF or
 * LF line ends, a UTF-8 byte-order mark. Each record carries the physical line it starts on (the
 * header is line 1), because that is what a person fixing a rejected row looks for in an editor.
 */

export interface CsvRecord {
  /** Physical line (1-based) where the record starts; a quoted line break makes later records start further down. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Incremental parser: feed chunks with `push`, then call `end`. Blank lines are skipped. */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  /** The previous character closed a quoted section: only a quote (escape), comma or line end may follow. */
  private afterQuote = false;
  private pendingCr = false;
  private started = false;
  private line = 1;
  private recordLine = 1;
  private fieldTouched = false;
  private quotedCr = false;

  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') continue; // the LF of a CRLF already ended the record
      }
      if (this.inQuotes) {
        if (c === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          // CR, LF and CRLF each end one physical line, even when a chunk ends between CR and LF.
          if (c === '\r' || (c === '\n' && !this.quotedCr)) this.line += 1;
          this.quotedCr = c === '\r';
          this.field += c;
        }
        continue;
      }
      if (c === '"') {
        if (this.afterQuote) {
          // "" inside a quoted field: a literal quote, and the field continues quoted.
          this.field += '"';
          this.inQuotes = true;
          this.afterQuote = false;
        } else if (this.field === '' && !this.fieldTouched) {
          this.inQuotes = true;
          this.fieldTouched = true;
          this.quotedCr = false;
        } else {
          throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field)', this.line);
        }
        continue;
      }
      if (c === ',') {
        this.endField();
        continue;
      }
      if (c === '\n' || c === '\r') {
        this.endField();
        const record = this.endRecord();
        if (record) out.push(record);
        this.line += 1;
        this.recordLine = this.line;
        if (c === '\r') this.pendingCr = true;
        continue;
      }
      if (this.afterQuote) throw new CsvSyntaxError('text after a closing quote', this.line);
      this.field += c;
      this.fieldTouched = true;
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.inQuotes) throw new CsvSyntaxError('a quoted field is not closed', this.recordLine);
    this.endField();
    const record = this.endRecord();
    return record ? [record] : [];
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
    this.fieldTouched = false;
  }

  private endRecord(): CsvRecord | undefined {
    const fields = this.fields;
    this.fields = [];
    if (fields.length === 1 && fields[0] === '') return undefined;
    return { line: this.recordLine, fields };
  }
}

/** Whole-text convenience over CsvParser. */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}
