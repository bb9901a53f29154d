import { Token, type Stack } from 'aws-cdk-lib';

/**
 * The region and account as cdk-nag renders them inside a finding's id: the value when it is
 * known at synth (the CDK CLI often knows the region), else the pseudo parameter `<AWS::…>`.
 * An acknowledgement must name the finding exactly, whichever way the stack was synthesized.
 */
export function nagArnParts(stack: Stack): { region: string; account: string } {
  return {
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
    account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
  };
}
