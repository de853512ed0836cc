import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { type FunctionName, type FunctionSpec, functions } from '../manifest.js';
import type { LocalLambdas } from './lambda.js';

/**
 * Runs the manifest's deployment-time function the way CloudFormation does on AWS: a custom resource
 * `Create` event, answered by a PUT to the event's response URL (here a one-shot loopback server). The
 * same handler, the same protocol; `npm start` refuses to serve until it answered SUCCESS.
 */
export async function initialiseLocally(lambdas: LocalLambdas, stage: string): Promise<void> {
  const answers: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answers.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    for (const name of deploymentFunctions()) {
      await lambdas.invoke(name, {
        RequestType: 'Create',
        ServiceToken: `local:${name}`,
        ResponseURL: `http://127.0.0.1:${port}/${name}`,
        StackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/riskloop-${stage}-service/local`,
        RequestId: randomUUID(),
        LogicalResourceId: 'Initialisation',
        ResourceType: 'Custom::RiskloopInitialisation',
        ResourceProperties: {
          ServiceToken: `local:${name}`,
          ServiceTimeout: '300',
          kekVersion: process.env.KEK_VERSION ?? 'kek1',
          macKeyVersion: process.env.PSEUDONYM_KEY_VERSION ?? 'k1',
        },
      });
      const answer = JSON.parse(answers.shift() ?? '{}') as { Status?: string; Reason?: string };
      if (answer.Status !== 'SUCCESS') {
        throw new Error(`${name} did not initialise the system: ${answer.Reason ?? 'no answer'}`);
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const deploymentFunctions = () =>
  (Object.entries(functions) as [FunctionName, FunctionSpec][])
    .filter(([, spec]) => spec.trigger.kind === 'deployment')
    .map(([name]) => name);
