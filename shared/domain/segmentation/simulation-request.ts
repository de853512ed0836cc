import { z } from 'zod';
import { scenarioShift } from './simulate.js';

/**
 * The body of POST /v1/risk-models/simulate: a stored version (or the published one by default),
 * or a draft document, evaluated under population shifts. Shared by the handler and the API document.
 */
export const simulationRequest = z
  .object({
    modelId: z.string().optional(),
    version: z.number().int().min(1).optional(),
    model: z.unknown().optional().describe('A draft risk model document, instead of modelId and version.'),
    scenario: z.array(scenarioShift).max(20).default([]),
    sampleSize: z.number().int().min(0).max(100).default(20),
    scoringModelVersion: z
      .number()
      .int()
      .min(1)
      .nullable()
      .optional()
      .describe(
        'The predictive model whose score rules read: a trained version (a candidate), null for none; by default the one in use.',
      ),
  })
  .strict()
  .refine((r) => !(r.model !== undefined && r.version !== undefined), 'Give either model or modelId+version');
