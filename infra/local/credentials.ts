import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashApiKey, newApiKey, type Principal } from '../../shared/domain/auth.js';
import { type Role, roles } from '../manifest.js';
import { localCredentials, localRegion } from './provision.js';

export type LocalCredentials = Record<Role, string>;

/**
 * One API key per role for the local system, generated on first start, kept in
 * `.data/credentials.json` (mode 0600) and registered (hashed) in the principals table on
 * every start, so a wiped table does not lock the developer out.
 */
export async function ensureLocalCredentials(
  file: string,
  dynamoEndpoint: string,
  principalsTable: string,
): Promise<LocalCredentials> {
  const existing = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalCredentials>)
    : {};
  // Keys survive restarts; a role added since the file was written gets a key of its own.
  const credentials = Object.fromEntries(
    roles.map((role) => [role, existing[role] ?? newApiKey(role)]),
  ) as LocalCredentials;
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // mode above only applies when the file is created
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: dynamoEndpoint }),
  );
  try {
    for (const role of roles) {
      const principal: Principal = {
        keyHash: hashApiKey(credentials[role]),
        principalId: `local-${role}`,
        name: `Local ${role} key`,
        role,
        createdAt: new Date().toISOString(),
      };
      await doc.send(new PutCommand({ TableName: principalsTable, Item: principal }));
    }
  } finally {
    doc.destroy();
  }
  return credentials;
}
