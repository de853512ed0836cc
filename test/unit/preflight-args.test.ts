import { describe, expect, it } from 'vitest';
import { defaultImportMappingFile, parseArgs, UsageError } from '../../infra/preflight/args.js';

describe('npm run preflight arguments', () => {
  it('defaults to the ambient profile and region and the default mapping file', () => {
    expect(parseArgs([])).toEqual({
      profile: undefined,
      region: undefined,
      context: {},
      contextArgs: [],
      importMappingFile: defaultImportMappingFile,
      help: false,
    });
  });

  it('takes the profile, region, mapping file and repeated context like cdk -c (values stay strings)', () => {
    const args = parseArgs([
      '--profile',
      'platform',
      '--region=eu-central-1',
      '-c',
      'stage=prod',
      '--context',
      'reservedConcurrency=false',
      '-c',
      'alarmEmail=ops@example.com',
      '--write-import-mapping',
      'out/keys.json',
    ]);
    expect(args).toMatchObject({
      profile: 'platform',
      region: 'eu-central-1',
      context: { stage: 'prod', reservedConcurrency: 'false', alarmEmail: 'ops@example.com' },
      contextArgs: ['-c stage=prod', '-c reservedConcurrency=false', '-c alarmEmail=ops@example.com'],
      importMappingFile: 'out/keys.json',
    });
  });

  it('keeps an = inside a context value', () => {
    expect(parseArgs(['-c', 'note=a=b']).context).toEqual({ note: 'a=b' });
  });

  it('refuses what it does not understand', () => {
    expect(() => parseArgs(['--regoin', 'eu-west-1'])).toThrow(UsageError);
    expect(() => parseArgs(['--profile'])).toThrow('--profile needs a value');
    expect(() => parseArgs(['-c', 'stage'])).toThrow('-c takes key=value, got "stage"');
    expect(() => parseArgs(['--region', '-c'])).toThrow('--region needs a value');
  });

  it('recognises --help and -h', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['-h']).help).toBe(true);
  });
});
