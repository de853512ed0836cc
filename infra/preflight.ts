/**
 * `npm run preflight`: before `cdk deploy`, tells whether the deploy of a riskloop stage will succeed in the
 * account and region of the current credentials (docs/preflight.md). Read-only: Describe/Get/List calls only;
 * the one thing it writes is the local `cdk import` mapping file when retained keys must be imported.
 * Synthesizes offline like `cdk synth`, so the checks follow the templates that would be deployed.
 */
import { pathToFileURL } from 'node:url';
import { synthesize } from './cdk/synthesize.js';
import { parseArgs, UsageError, usage } from './preflight/args.js';
import { createClients } from './preflight/aws-clients.js';
import { runPreflight, writeImportMapping } from './preflight/run.js';
import { planFromSynthesis } from './preflight/synthesis-plan.js';

/** Runs preflight for `argv` (the arguments after `--`) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`preflight: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage);
    return 0;
  }
  const synthesis = synthesize(args.context, { bundle: false, compliancePacks: false });
  let plan: ReturnType<typeof planFromSynthesis>;
  try {
    plan = planFromSynthesis(synthesis);
  } finally {
    synthesis.cleanup();
  }
  const clients = await createClients({ profile: args.profile, region: args.region });
  try {
    const result = await runPreflight(plan, clients, {
      importMappingFile: args.importMappingFile,
      contextArgs: args.contextArgs,
    });
    process.stdout.write(result.report);
    if (result.importMapping) {
      writeImportMapping(args.importMappingFile, result.importMapping);
      process.stdout.write(`wrote ${args.importMappingFile}\n`);
    }
    return result.exitCode;
  } finally {
    clients.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`preflight: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
