/**
 * Holds AWS calls recorded from the local functions against the IAM policies of a synthesized
 * template, the way IAM would: action and resource ARN matched against each Allow statement
 * (`*` and `?` wildcards, case-insensitive actions), any matching Deny wins. Conditions are not
 * evaluated (they only narrow a grant further). KMS is derived: a call on a table or queue that a
 * customer-managed key encrypts needs the key actions AWS documents for it.
 */

/** One request a function process sent, as `aws-call-recorder.ts` writes it. */
export interface RecordedCall {
  readonly caller: string;
  readonly service: string;
  readonly target?: string;
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  readonly body: string;
}

/** What IAM must allow for one call: an action on a resource. */
export interface Requirement {
  readonly action: string;
  readonly resource: string;
}

/** Account, region and partition the local servers answer for, used to resolve the template's pseudo parameters. */
export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** Physical names of resources whose name CloudFormation generates (an S3 bucket), by logical id prefix. */
  readonly generatedNames?: Readonly<Record<string, string>>;
  /** Values other stacks export, by export name, for `Fn::ImportValue` (see `exportsOf`). */
  readonly exports?: Readonly<Record<string, string>>;
}

export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
};
type Statement = { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: unknown };

/** The IAM actions SQS checks for its batch calls (SQS developer guide, "Amazon SQS API permissions"). */
const SQS_BATCH_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** DynamoDB calls that read items (need kms:Decrypt on a customer key) and those that write them. */
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'ConditionCheckItem']);

function queueArn(url: string, context: ArnContext): string {
  const [, account, name] = new URL(url).pathname.split('/');
  return `arn:${context.partition}:sqs:${context.region}:${account}:${name}`;
}

function tableArn(table: string, context: ArnContext, index?: string): string {
  const arn = table.startsWith('arn:') ? table : `arn:${context.partition}:dynamodb:${context.region}:${context.account}:table/${table}`;
  return index === undefined ? arn : `${arn}/index/${index}`;
}

/** The IAM actions and resources one recorded call needs, before KMS. */
export function requirementsOf(call: RecordedCall, context: ArnContext): Requirement[] {
  const body = (call.body === '' ? {} : JSON.parse(call.body)) as Record<string, any>;
  const operation = call.target?.split('.')[1] ?? '';
  if (call.service === 'dynamodb') {
    if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      return Object.keys(body.RequestItems ?? {}).map((table) => ({ action: `dynamodb:${operation}`, resource: tableArn(table, context) }));
    }
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      // A transaction is authorized per item by the item's own action (DynamoDB developer guide, "Using IAM with transactions").
      return (body.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: `dynamodb:${kind === 'Update' ? 'UpdateItem' : kind === 'Delete' ? 'DeleteItem' : kind === 'ConditionCheck' ? 'ConditionCheckItem' : kind === 'Get' ? 'GetItem' : 'PutItem'}`,
          resource: tableArn(request.TableName, context),
        })),
      );
    }
    return [{ action: `dynamodb:${operation}`, resource: tableArn(body.TableName, context, body.IndexName) }];
  }
  if (call.service === 'sqs') {
    const action = `sqs:${SQS_BATCH_ACTIONS[operation] ?? operation}`;
    const resource =
      operation === 'GetQueueUrl'
        ? `arn:${context.partition}:sqs:${context.region}:${body.QueueOwnerAWSAccountId ?? context.account}:${body.QueueName}`
        : queueArn(body.QueueUrl, context);
    return [{ action, resource }];
  }
  if (call.service === 'events') {
    // PutEvents is authorized per bus its entries name (the default bus when none is named).
    const buses = new Set((body.Entries as { EventBusName?: string }[] | undefined)?.map((entry) => entry.EventBusName ?? 'default') ?? []);
    return [...buses].map((bus) => ({
      action: `events:${operation}`,
      resource: bus.startsWith('arn:') ? bus : `arn:${context.partition}:events:${context.region}:${context.account}:event-bus/${bus}`,
    }));
  }
  if (call.service === 'states') {
    return [{ action: `states:${operation}`, resource: String(body.stateMachineArn ?? body.executionArn) }];
  }
  if (call.service === 'scheduler') {
    // REST: the method and path name the operation (Scheduler API reference); the group is in the body or the query.
    const url = new URL(call.path ?? '/', 'http://scheduler');
    const [, collection, name] = url.pathname.split('/').map(decodeURIComponent);
    const group = body.GroupName ?? url.searchParams.get('groupName') ?? 'default';
    const operation =
      name === undefined
        ? 'ListSchedules'
        : ({ POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' } as Record<string, string>)[
            call.method ?? 'GET'
          ];
    if (collection !== 'schedules' || operation === undefined)
      return [{ action: `scheduler:${call.method}`, resource: `unknown:${call.path}` }];
    const resource =
      name === undefined
        ? `arn:${context.partition}:scheduler:${context.region}:${context.account}:schedule/*`
        : `arn:${context.partition}:scheduler:${context.region}:${context.account}:schedule/${group}/${name}`;
    const passRole = typeof body.Target?.RoleArn === 'string' ? [{ action: 'iam:PassRole', resource: body.Target.RoleArn as string }] : [];
    return [{ action: `scheduler:${operation}`, resource }, ...passRole];
  }
  if (call.service === 'secretsmanager') {
    // A secret's ARN ends in six random characters, which a name leaves out.
    const secret = String(body.SecretId);
    const resource = secret.startsWith('arn:')
      ? secret
      : `arn:${context.partition}:secretsmanager:${context.region}:${context.account}:secret:${secret}-??????`;
    return [{ action: `secretsmanager:${operation}`, resource }];
  }
  if (call.service === 's3') {
    const [, bucket = '', ...key] = (call.path ?? '/').split('?')[0]?.split('/') ?? [];
    const action = call.method === 'PUT' ? 's3:PutObject' : call.method === 'DELETE' ? 's3:DeleteObject' : 's3:GetObject';
    return [{ action, resource: `arn:${context.partition}:s3:::${bucket}/${decodeURIComponent(key.join('/'))}` }];
  }
  return [{ action: `${call.service}:${operation || call.method}`, resource: `unknown:${call.path ?? ''}` }];
}

/** Renders a CloudFormation value (Ref, Fn::GetAtt, Fn::Join) into the ARN or name it stands for. */
function render(value: unknown, template: CfnTemplate, context: ArnContext): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, any>;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => render(part, template, context)).join(separator);
  }
  if ('Ref' in node) {
    const ref = node.Ref as string;
    if (ref === 'AWS::Partition') return context.partition;
    if (ref === 'AWS::Region') return context.region;
    if (ref === 'AWS::AccountId') return context.account;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    return physicalId(ref, 'Ref', template, context);
  }
  if ('Fn::ImportValue' in node) {
    const name = render(node['Fn::ImportValue'], template, context);
    return context.exports?.[name] ?? `unresolved:import ${name}`;
  }
  if ('Fn::GetAtt' in node) {
    const [logicalId, attribute] = node['Fn::GetAtt'] as [string, string];
    return physicalId(logicalId, attribute, template, context);
  }
  return `unresolved:${JSON.stringify(value)}`;
}

/** The values a template exports (cross-stack references), rendered, by export name. */
export function exportsOf(template: CfnTemplate, context: ArnContext): Record<string, string> {
  return Object.fromEntries(
    Object.values(template.Outputs ?? {})
      .filter((output) => output.Export !== undefined)
      .map((output) => [render(output.Export?.Name, template, context), render(output.Value, template, context)]),
  );
}

/** The ARN (or, for Ref, what CloudFormation's Ref returns) of a resource of the template. */
function physicalId(logicalId: string, attribute: string, template: CfnTemplate, context: ArnContext): string {
  const resource = template.Resources[logicalId];
  const properties = resource?.Properties ?? {};
  const { partition, region, account } = context;
  const generated = Object.entries(context.generatedNames ?? {}).find(([prefix]) => logicalId.startsWith(prefix))?.[1];
  switch (resource?.Type) {
    case 'AWS::DynamoDB::Table':
      return attribute === 'Ref' ? properties.TableName : tableArn(properties.TableName, context);
    case 'AWS::SQS::Queue':
      return attribute === 'Ref'
        ? `https://sqs.${region}.amazonaws.com/${account}/${properties.QueueName}`
        : `arn:${partition}:sqs:${region}:${account}:${properties.QueueName}`;
    case 'AWS::KMS::Key':
      return `arn:${partition}:kms:${region}:${account}:key/${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${account}:stateMachine:${properties.StateMachineName}`;
    case 'AWS::IAM::Role':
      return attribute === 'Ref' ? properties.RoleName : `arn:${partition}:iam::${account}:role/${properties.RoleName}`;
    case 'AWS::Lambda::Function':
      return attribute === 'Ref'
        ? properties.FunctionName
        : `arn:${partition}:lambda:${region}:${account}:function:${properties.FunctionName}`;
    case 'AWS::Events::EventBus':
      return attribute === 'Ref' ? properties.Name : `arn:${partition}:events:${region}:${account}:event-bus/${properties.Name}`;
    case 'AWS::SecretsManager::Secret':
      // Ref and the ARN are the same; the random suffix is what a name-based call leaves as `??????`.
      return `arn:${partition}:secretsmanager:${region}:${account}:secret:${properties.Name}-??????`;
    case 'AWS::S3::Bucket':
      return attribute === 'Ref'
        ? (properties.BucketName ?? generated ?? logicalId)
        : `arn:${partition}:s3:::${properties.BucketName ?? generated ?? logicalId}`;
    default:
      return `unresolved:${logicalId}.${attribute}`;
  }
}

/** An IAM pattern (`*`, `?`) as a regular expression; actions compare case-insensitively. */
function patternOf(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}

/** The statements of every policy attached to the role of a function (by its physical name) or to a role by logical id. */
export function statementsOfRole(template: CfnTemplate, roleLogicalId: string): Statement[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      (policy.Properties?.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((policy) => policy.Properties?.PolicyDocument.Statement as Statement[]);
}

/** The execution role of the function named `functionName`, or undefined when the template has no such function. */
export function roleOfFunction(template: CfnTemplate, functionName: string): string | undefined {
  const fn = Object.values(template.Resources).find(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.FunctionName === functionName,
  );
  return (fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
}

/** The customer-managed key that encrypts the resource named by `arn`, if the template gives it one. */
function keyOf(arn: string, template: CfnTemplate, context: ArnContext): string | undefined {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    const key =
      resource.Type === 'AWS::DynamoDB::Table'
        ? properties.SSESpecification?.KMSMasterKeyId
        : resource.Type === 'AWS::SQS::Queue'
          ? properties.KmsMasterKeyId
          : undefined;
    if (key === undefined || (typeof key === 'string' && key.startsWith('alias/aws/'))) continue;
    const own = physicalId(logicalId, 'Arn', template, context);
    if (arn === own || arn.startsWith(`${own}/`)) return render(key, template, context);
  }
  return undefined;
}

/** The key actions a call needs when its table or queue has a customer-managed key (DynamoDB and SQS developer guides). */
function kmsRequirements(requirement: Requirement, key: string): Requirement[] {
  const [service, operation = ''] = requirement.action.split(':');
  if (service === 'sqs') {
    if (operation === 'SendMessage') return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ action, resource: key }));
    if (operation === 'ReceiveMessage') return [{ action: 'kms:Decrypt', resource: key }];
    return [];
  }
  if (service === 'dynamodb') {
    const actions = DYNAMODB_READS.has(operation) ? ['kms:Decrypt'] : ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'];
    return actions.map((action) => ({ action, resource: key }));
  }
  return [];
}

function matches(statement: Statement, requirement: Requirement, template: CfnTemplate, context: ArnContext): boolean {
  const actions = [statement.Action].flat();
  const resources = [statement.Resource].flat().map((resource) => render(resource, template, context));
  return (
    actions.some((action) => patternOf(action, true).test(requirement.action)) &&
    resources.some((resource) => patternOf(resource, false).test(requirement.resource))
  );
}

/** Whether the statements allow the requirement: some Allow matches and no Deny does. */
export function isAllowed(statements: readonly Statement[], requirement: Requirement, template: CfnTemplate, context: ArnContext): boolean {
  const matching = statements.filter((statement) => matches(statement, requirement, template, context));
  return matching.some((statement) => statement.Effect === 'Allow') && !matching.some((statement) => statement.Effect === 'Deny');
}

/** Every requirement of `calls` (KMS included) that the role's policies do not allow, as `action on resource`. */
export function deniedCalls(calls: readonly RecordedCall[], template: CfnTemplate, roleLogicalId: string, context: ArnContext): string[] {
  const statements = statementsOfRole(template, roleLogicalId);
  const denied = new Set<string>();
  for (const call of calls) {
    for (const requirement of requirementsOf(call, context)) {
      const key = keyOf(requirement.resource, template, context);
      for (const needed of [requirement, ...(key === undefined ? [] : kmsRequirements(requirement, key))]) {
        if (!isAllowed(statements, needed, template, context)) denied.add(`${needed.action} on ${needed.resource}`);
      }
    }
  }
  return [...denied].sort();
}
