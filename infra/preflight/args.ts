/** The command line of `npm run preflight`. */
export interface PreflightArgs {
  profile: string | undefined;
  region: string | undefined;
  /** CDK context, as `cdk -c key=value` gives it: every value a string. */
  context: Record<string, string>;
  /** The `-c key=value` arguments as given, for the commands the report prints. */
  contextArgs: string[];
  importMappingFile: string;
  help: boolean;
}

export const defaultImportMappingFile = 'preflight-import.json';

export const usage = `Usage: npm run preflight -- [options]

Checks, with read-only AWS calls, whether \`cdk deploy\` of a riskloop stage will succeed in the account and
region of your credentials. Exit code 1 when anything blocks the deploy.

Options:
  --profile <name>               AWS profile (default: AWS_PROFILE / the default chain)
  --region <region>              target region (default: AWS_REGION, then the profile's region)
  -c, --context <key>=<value>    CDK context, exactly as given to cdk (repeatable), e.g. -c stage=prod
  --write-import-mapping <file>  where to write the cdk import mapping when retained keys must be
                                 imported (default: ${defaultImportMappingFile})
  -h, --help                     this text
`;

export class UsageError extends Error {}

/** Parses the arguments after `npm run preflight --`; throws UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): PreflightArgs {
  const args: PreflightArgs = {
    profile: undefined,
    region: undefined,
    context: {},
    contextArgs: [],
    importMappingFile: defaultImportMappingFile,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg, '=') : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--profile':
        args.profile = value();
        break;
      case '--region':
        args.region = value();
        break;
      case '--write-import-mapping':
        args.importMappingFile = value();
        break;
      case '-c':
      case '--context': {
        const pair = value();
        const [key, v] = splitOnce(pair, '=');
        if (!key || v === undefined) throw new UsageError(`${flag} takes key=value, got "${pair}"`);
        args.context[key] = v;
        args.contextArgs.push(`-c ${key}=${v}`);
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return args;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}
