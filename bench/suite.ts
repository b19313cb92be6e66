/** One benchmark suite: `lumen bench <suite> [its options]`. */
export interface BenchSuite {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
