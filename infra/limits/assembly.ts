import { statSync } from 'node:fs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { CfnTemplate, StackTemplate } from './template.js';

/** The stacks of a synthesized assembly, with each template's size as written for upload. */
export function stackTemplates(assembly: CloudAssembly): StackTemplate[] {
  return assembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    template: stack.template as CfnTemplate,
    templateBytes: statSync(stack.templateFullPath).size,
  }));
}
