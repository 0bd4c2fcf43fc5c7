/**
 * The CloudFormation template that `serverless package --stage ci` writes:
 * what a deploy would create, checked without AWS. Packaged twice: once as
 * a stack that creates its secrets and topic, once with existing ones
 * passed as stage parameters.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
const SERVERLESS_BIN = join(
  REPO_DIR,
  'node_modules/serverless/bin/serverless.js',
);
const API_GATEWAY_LIMIT_SECONDS = 30;
const MAX_WAIT_SECONDS = 600;

const EXISTING = {
  celonisSecretArn:
    'arn:aws:secretsmanager:eu-central-1:123456789012:secret:celonis-AbCdEf',
  callersSecretArn:
    'arn:aws:secretsmanager:eu-central-1:123456789012:secret:callers-AbCdEf',
  notifyTopicArn: 'arn:aws:sns:eu-central-1:123456789012:operations',
  autoCancelEnabled: 'true',
  autoCancelCron: 'cron(30 21 ? * SAT *)',
  autoCancelTimezone: 'America/New_York',
  autoCancelReason: 'weekly CRM maintenance',
} as const;

const FUNCTIONS = {
  status: 'StatusLambdaFunction',
  cancel: 'CancelLambdaFunction',
  autoCancel: 'AutoCancelLambdaFunction',
} as const;

interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON
  Properties: Record<string, any>;
}

interface Template {
  Resources: Record<string, Resource>;
  Conditions: Record<string, unknown>;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface Packaged {
  dir: string;
  template: Template;
}

const execFileAsync = promisify(execFile);

async function packageStage(params: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'celonis-job-control-package-'));
  const paramArgs = Object.entries(params).flatMap(([name, value]) => [
    '--param',
    `${name}=${value}`,
  ]);
  await execFileAsync(
    process.execPath,
    [
      SERVERLESS_BIN,
      'package',
      '--stage',
      'ci',
      '--package',
      dir,
      ...paramArgs,
    ],
    { cwd: REPO_DIR },
  );
  const text = await readFile(
    join(dir, 'cloudformation-template-update-stack.json'),
    'utf8',
  );

  return { dir, template: JSON.parse(text) as Template };
}

function resource(template: Template, logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (found === undefined) {
    throw new Error(`the template has no resource ${logicalId}`);
  }

  return found;
}

function resourcesOfType(template: Template, type: string): Resource[] {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

/** Both branches of a conditional statement count: either may be deployed. */
function statementsOf(role: Resource): Statement[] {
  const statements: unknown[] = role.Properties.Policies.flatMap(
    (policy: { PolicyDocument: { Statement: unknown[] } }) =>
      policy.PolicyDocument.Statement,
  );

  return statements.flatMap((statement) => {
    const branches = (statement as { 'Fn::If'?: unknown[] })['Fn::If'];
    const candidates = branches ? branches.slice(1) : [statement];

    return candidates.filter(
      (candidate): candidate is Statement =>
        typeof candidate === 'object' &&
        candidate !== null &&
        'Effect' in candidate,
    );
  });
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action)
    ? statement.Action
    : [statement.Action];
}

function resourcesFor(role: Resource, action: string): unknown[] {
  return statementsOf(role)
    .filter((statement) => actionsOf(statement).includes(action))
    .flatMap((statement) =>
      Array.isArray(statement.Resource)
        ? statement.Resource
        : [statement.Resource],
    );
}

function roleOf(template: Template, functionId: string): Resource {
  const role = resource(template, functionId).Properties.Role;

  return resource(template, role['Fn::GetAtt'][0]);
}

/** How the created-or-existing choice appears in the default template. */
function createdOrExisting(condition: string, created: string, param: string) {
  return { 'Fn::If': [condition, { Ref: created }, { Ref: param }] };
}

const celonisSecretRef = createdOrExisting(
  'CreateCelonisSecret',
  'CelonisSecret',
  'CelonisSecretArn',
);
const callersSecretRef = createdOrExisting(
  'CreateCallersSecret',
  'CallersSecret',
  'CallersSecretArn',
);
const notifyTopicRef = createdOrExisting(
  'CreateNotifyTopic',
  'NotifyTopic',
  'NotifyTopicArn',
);

let created: Packaged;
let existing: Packaged;

beforeAll(async () => {
  // One after the other: both use the ci stage's build folder.
  created = await packageStage({});
  existing = await packageStage(EXISTING);
});

afterAll(async () => {
  for (const packaged of [created, existing]) {
    if (packaged) {
      await rm(packaged.dir, { recursive: true, force: true });
    }
  }
});

describe('serverless package --stage ci', () => {
  it('writes one zip per function', async () => {
    for (const name of Object.keys(FUNCTIONS)) {
      const zip = await stat(join(created.dir, `${name}.zip`));

      expect(zip.size).toBeGreaterThan(0);
    }
  });

  it('runs every function on nodejs22.x and arm64', () => {
    for (const logicalId of Object.values(FUNCTIONS)) {
      const { Properties } = resource(created.template, logicalId);

      expect(Properties.Runtime).toBe('nodejs22.x');
      expect(Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('ends the HTTP functions before API Gateway gives up', () => {
    for (const logicalId of [FUNCTIONS.status, FUNCTIONS.cancel]) {
      const { Properties } = resource(created.template, logicalId);

      expect(Properties.Timeout).toBeLessThan(API_GATEWAY_LIMIT_SECONDS);
    }
  });

  it('gives autoCancel time for the longest wait plus its calls', () => {
    const { Properties } = resource(created.template, FUNCTIONS.autoCancel);

    expect(Properties.Timeout).toBeGreaterThan(MAX_WAIT_SECONDS + 60);
    expect(Properties.Timeout).toBeLessThanOrEqual(900);
  });

  it('serves the four routes through payload format 2.0', () => {
    const routes = resourcesOfType(
      created.template,
      'AWS::ApiGatewayV2::Route',
    ).map((route) => route.Properties.RouteKey);
    const integrations = resourcesOfType(
      created.template,
      'AWS::ApiGatewayV2::Integration',
    );

    expect(routes.sort()).toEqual([
      'GET /pools/{pool}/jobs',
      'GET /pools/{pool}/jobs/{jobId}',
      'POST /pools/{pool}/cancel-running',
      'POST /pools/{pool}/jobs/{jobId}/cancel',
    ]);
    for (const integration of integrations) {
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
    }
  });

  it('throttles every route of the HTTP API', () => {
    const stage = resource(created.template, 'HttpApiStage');
    const settings = stage.Properties.DefaultRouteSettings;

    expect(settings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(settings.ThrottlingBurstLimit).toBeGreaterThan(0);
  });

  it('gives the functions the environment they read', () => {
    const variables = (logicalId: string) =>
      resource(created.template, logicalId).Properties.Environment.Variables;
    const common = [
      'CELONIS_URL',
      'CELONIS_SECRET_ID',
      'POOLS',
      'LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'CELONIS_MAX_RPS',
    ];

    for (const logicalId of [FUNCTIONS.status, FUNCTIONS.cancel]) {
      expect(Object.keys(variables(logicalId)).sort()).toEqual(
        [...common, 'CALLERS_SECRET_ID'].sort(),
      );
      expect(variables(logicalId).CALLERS_SECRET_ID).toEqual(callersSecretRef);
    }
    expect(Object.keys(variables(FUNCTIONS.autoCancel)).sort()).toEqual(
      [
        ...common,
        'AUTO_CANCEL_POOLS',
        'AUTO_CANCEL_DRY_RUN',
        'NOTIFY_TOPIC_ARN',
      ].sort(),
    );
    expect(variables(FUNCTIONS.autoCancel).NOTIFY_TOPIC_ARN).toEqual(
      notifyTopicRef,
    );
    expect(variables(FUNCTIONS.status).CELONIS_SECRET_ID).toEqual(
      celonisSecretRef,
    );
  });
});

describe('IAM', () => {
  it('gives each function a role of its own', () => {
    const roles = Object.values(FUNCTIONS).map(
      (logicalId) =>
        resource(created.template, logicalId).Properties.Role['Fn::GetAtt'][0],
    );

    expect(roles).toEqual(['StatusRole', 'CancelRole', 'AutoCancelRole']);
    expect(resourcesOfType(created.template, 'AWS::IAM::Role')).toHaveLength(4);
  });

  it('names an exact resource for every secretsmanager, kms and sns action', () => {
    for (const { template } of [created, existing]) {
      for (const role of resourcesOfType(template, 'AWS::IAM::Role')) {
        for (const statement of statementsOf(role)) {
          const guarded = actionsOf(statement).filter((action) =>
            /^(secretsmanager|kms|sns):/.test(action),
          );
          if (guarded.length === 0) {
            continue;
          }
          const resources = [statement.Resource].flat();

          expect(guarded.join()).not.toContain('*');
          expect(JSON.stringify(resources)).not.toContain('*');
        }
      }
    }
  });

  it('lets the HTTP functions read both secrets and nothing else', () => {
    for (const logicalId of [FUNCTIONS.status, FUNCTIONS.cancel]) {
      const role = roleOf(created.template, logicalId);

      expect(resourcesFor(role, 'secretsmanager:GetSecretValue')).toEqual([
        celonisSecretRef,
        callersSecretRef,
      ]);
      expect(resourcesFor(role, 'sns:Publish')).toEqual([]);
    }
  });

  it('lets autoCancel read only the Celonis secret and publish to the topic', () => {
    const role = roleOf(created.template, FUNCTIONS.autoCancel);

    expect(resourcesFor(role, 'secretsmanager:GetSecretValue')).toEqual([
      celonisSecretRef,
    ]);
    expect(resourcesFor(role, 'sns:Publish')).toEqual([notifyTopicRef]);
    expect(resourcesFor(role, 'sqs:SendMessage')).toEqual([
      { 'Fn::GetAtt': ['AutoCancelFailureQueue', 'Arn'] },
    ]);
  });

  it('grants the ARNs a stage passes, exactly', () => {
    const status = roleOf(existing.template, FUNCTIONS.status);
    const autoCancel = roleOf(existing.template, FUNCTIONS.autoCancel);

    expect(resourcesFor(status, 'secretsmanager:GetSecretValue')).toEqual([
      EXISTING.celonisSecretArn,
      EXISTING.callersSecretArn,
    ]);
    expect(resourcesFor(autoCancel, 'secretsmanager:GetSecretValue')).toEqual([
      EXISTING.celonisSecretArn,
    ]);
    expect(resourcesFor(autoCancel, 'sns:Publish')).toEqual([
      EXISTING.notifyTopicArn,
    ]);
  });

  it('allows kms:Decrypt only when a customer managed key is set', () => {
    for (const logicalId of Object.values(FUNCTIONS)) {
      const role = roleOf(created.template, logicalId);
      const statements = role.Properties.Policies[0].PolicyDocument.Statement;
      const kms = statements.find(
        (statement: Record<string, unknown>) => 'Fn::If' in statement,
      );

      expect(kms['Fn::If'][0]).toBe('HasSecretsKmsKey');
      expect(kms['Fn::If'][1].Resource).toEqual({ Ref: 'SecretsKmsKeyArn' });
      expect(kms['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
    }
  });
});

describe('secrets and notifications', () => {
  it('creates both secrets only when no ARN is passed, and keeps them', () => {
    for (const [logicalId, condition] of [
      ['CelonisSecret', 'CreateCelonisSecret'],
      ['CallersSecret', 'CreateCallersSecret'],
    ]) {
      const secret = resource(created.template, logicalId as string);

      expect(secret.Type).toBe('AWS::SecretsManager::Secret');
      expect(secret.Condition).toBe(condition);
      expect(secret.DeletionPolicy).toBe('Retain');
    }
  });

  it('creates the topic only when no topic ARN is passed', () => {
    const topic = resource(created.template, 'NotifyTopic');

    expect(topic.Condition).toBe('CreateNotifyTopic');
  });
});

describe('autoCancel', () => {
  it('runs on EventBridge Scheduler with a time zone and an input', () => {
    const schedules = resourcesOfType(
      created.template,
      'AWS::Scheduler::Schedule',
    );

    expect(schedules.length).toBeGreaterThan(0);
    for (const { Properties } of schedules) {
      expect(Properties.ScheduleExpression).toBe('cron(45 23 * * ? *)');
      expect(Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
      expect(JSON.parse(Properties.Target.Input)).toEqual({
        reason: 'nightly source system shutdown',
      });
      expect(Properties.Target.Arn).toEqual({
        'Fn::GetAtt': [FUNCTIONS.autoCancel, 'Arn'],
      });
      expect(Properties.Target.RoleArn).toEqual({
        'Fn::GetAtt': ['AutoCancelSchedulerRole', 'Arn'],
      });
    }
  });

  it('ships its example schedule disabled, so a deploy cancels nothing', () => {
    const schedules = resourcesOfType(
      created.template,
      'AWS::Scheduler::Schedule',
    );

    expect(schedules.map(({ Properties }) => Properties.State)).toEqual([
      'DISABLED',
    ]);
  });

  it('takes the schedule from stage parameters', () => {
    const schedules = resourcesOfType(
      existing.template,
      'AWS::Scheduler::Schedule',
    );

    expect(
      schedules.map(({ Properties }) => ({
        state: Properties.State,
        cron: Properties.ScheduleExpression,
        timezone: Properties.ScheduleExpressionTimezone,
        input: JSON.parse(Properties.Target.Input),
      })),
    ).toEqual([
      {
        state: 'ENABLED',
        cron: 'cron(30 21 ? * SAT *)',
        timezone: 'America/New_York',
        input: { reason: 'weekly CRM maintenance' },
      },
    ]);
  });

  it('lets the scheduler role invoke autoCancel and nothing else', () => {
    const role = resource(created.template, 'AutoCancelSchedulerRole');
    const statements = statementsOf(role);

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [FUNCTIONS.autoCancel, 'Arn'] },
      },
    ]);
  });

  it('retries a failed run once, soon, then hands it to the failure queue', () => {
    const [config] = resourcesOfType(
      created.template,
      'AWS::Lambda::EventInvokeConfig',
    );
    const timeout = resource(created.template, FUNCTIONS.autoCancel).Properties
      .Timeout;

    expect(config?.Properties).toMatchObject({
      FunctionName: { Ref: FUNCTIONS.autoCancel },
      MaximumRetryAttempts: 1,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': ['AutoCancelFailureQueue', 'Arn'] },
        },
      },
    });
    expect(config?.Properties.MaximumEventAgeInSeconds).toBeGreaterThan(
      timeout,
    );
    expect(config?.Properties.MaximumEventAgeInSeconds).toBeLessThanOrEqual(
      3600,
    );
  });

  it('raises an alarm to the topic when a run fails', () => {
    const alarm = resource(created.template, 'AutoCancelErrorsAlarm');

    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: FUNCTIONS.autoCancel } },
      ],
      AlarmActions: [notifyTopicRef],
    });
  });
});
