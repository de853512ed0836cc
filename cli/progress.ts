/**
 * A progress bar on stderr (stdout stays free for --json). On a terminal it redraws one line; in a
 * pipe or a CI log it prints a line every 10 % instead of flooding the log with redraws.
 */
export class Progress {
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly quiet: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(position: number, counts: { accepted: number; duplicates: number; rejected: number }): void {
    if (this.quiet) return;
    const share = this.total <= 0 ? 1 : Math.min(1, position / this.total);
    const text = `${bar(share)} ${String(Math.round(share * 100)).padStart(3)}%  line ${position}/${this.total}  accepted ${counts.accepted}  duplicate ${counts.duplicates}  rejected ${counts.rejected}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text}`);
      this.drawn = true;
      return;
    }
    const decile = Math.floor(share * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

export function bar(share: number, width = 30): string {
  const filled = Math.round(Math.max(0, Math.min(1, share)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
