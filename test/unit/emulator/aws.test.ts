import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CelonisEmulator,
  startCelonisEmulator,
} from '../../../emulator/celonis.ts';

const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const SECRET_NAME = 'celonis-job-control/celonis';
const SECRET_VALUE = '{"appKey":"emulated-key"}';
const TOPIC_ARN = `arn:aws:sns:${REGION}:000000000000:job-control`;

describe('AWS endpoints of the emulator', () => {
  let emulator: CelonisEmulator;
  let secrets: SecretsManagerClient;
  let sns: SNSClient;

  beforeEach(async () => {
    emulator = await startCelonisEmulator({
      secrets: { [SECRET_NAME]: SECRET_VALUE },
    });
    const config = {
      endpoint: emulator.url,
      region: REGION,
      credentials: CREDENTIALS,
    };
    secrets = new SecretsManagerClient(config);
    sns = new SNSClient(config);
  });

  afterEach(async () => {
    secrets.destroy();
    sns.destroy();
    await emulator.close();
  });

  describe('Secrets Manager', () => {
    it('answers a secret to the real client', async () => {
      // Act
      const output = await secrets.send(
        new GetSecretValueCommand({ SecretId: SECRET_NAME }),
      );

      // Assess
      expect(output).toMatchObject({
        ARN: `arn:aws:secretsmanager:${REGION}:000000000000:secret:${SECRET_NAME}-AbCdEf`,
        Name: SECRET_NAME,
        SecretString: SECRET_VALUE,
        VersionId: expect.any(String),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: expect.any(Date),
      });
    });

    it('finds a secret by its ARN', async () => {
      // Prepare
      const { ARN } = await secrets.send(
        new GetSecretValueCommand({ SecretId: SECRET_NAME }),
      );

      // Act
      const output = await secrets.send(
        new GetSecretValueCommand({ SecretId: ARN }),
      );

      // Assess
      expect(output.SecretString).toBe(SECRET_VALUE);
    });

    it('answers a secret stored after the start', async () => {
      // Prepare
      emulator.putSecret('callers', '{"callers":[]}');

      // Act
      const output = await secrets.send(
        new GetSecretValueCommand({ SecretId: 'callers' }),
      );

      // Assess
      expect(output.SecretString).toBe('{"callers":[]}');
    });

    it('throws ResourceNotFoundException for an unknown secret', async () => {
      // Act
      const attempt = secrets.send(
        new GetSecretValueCommand({ SecretId: 'missing' }),
      );

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(attempt).rejects.toMatchObject({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('records the request without its signature', async () => {
      // Prepare
      await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));

      // Act
      const recorded = emulator.requests();

      // Assess
      expect(recorded).toEqual([
        {
          at: expect.any(Number),
          method: 'POST',
          path: '/',
          route: 'secrets',
          status: 200,
          auth: 'other',
        },
      ]);
    });
  });

  describe('SNS', () => {
    it('keeps a message published by the real client', async () => {
      // Act
      const output = await sns.send(
        new PublishCommand({
          TopicArn: TOPIC_ARN,
          Subject: 'auto-cancel summary',
          Message: 'cancelled: 2 & failed: 0 <ok>',
        }),
      );

      // Assess
      expect(output.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(emulator.publishedMessages()).toEqual([
        {
          topicArn: TOPIC_ARN,
          subject: 'auto-cancel summary',
          message: 'cancelled: 2 & failed: 0 <ok>',
        },
      ]);
    });

    it('keeps a message without a subject', async () => {
      // Act
      await sns.send(
        new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'hi' }),
      );

      // Assess
      expect(emulator.publishedMessages()).toEqual([
        { topicArn: TOPIC_ARN, message: 'hi' },
      ]);
      expect(emulator.requests()[0]).toMatchObject({
        route: 'sns',
        status: 200,
      });
    });

    it('answers a query protocol error for a message without a topic', async () => {
      // Act
      const attempt = sns.send(new PublishCommand({ Message: 'no topic' }));

      // Assess
      await expect(attempt).rejects.toMatchObject({
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      });
      expect(emulator.publishedMessages()).toEqual([]);
    });
  });
});
