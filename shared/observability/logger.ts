import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Powertools logger per function. Log only pseudonyms, codes and counts: the no-personal-data
 * test scans everything written here.
 */
export function createLogger(functionName: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'riskloop',
    persistentKeys: { fn: functionName },
  });
}
