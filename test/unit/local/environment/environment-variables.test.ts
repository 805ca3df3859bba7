// The variables an execution environment's processes start with.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildEnvironmentVariables } from '../../../../src/local/environment/environment-variables.js'

const input = {
  base: { PATH: '/usr/bin', AWS_REGION: 'eu-west-1', UNSET: undefined },
  functionName: 'fn',
  memoryMb: 512,
  region: 'us-east-1',
  runtimeApi: '127.0.0.1:9001',
  logStreamName: '2025/01/01/[$LATEST]abc',
  handler: 'index.handler',
  taskRoot: '/var/task',
  userEnv: { PORT: '3001', TZ: 'Europe/Paris' },
}

test('Lambda variables are set, and win over the inherited environment', () => {
  const env = buildEnvironmentVariables(input)
  assert.equal(env.AWS_LAMBDA_RUNTIME_API, '127.0.0.1:9001')
  assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'fn')
  assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST')
  assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '512')
  assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/fn')
  assert.equal(env.AWS_LAMBDA_LOG_STREAM_NAME, '2025/01/01/[$LATEST]abc')
  assert.equal(env.AWS_REGION, 'us-east-1')
  assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1')
  assert.equal(env.LAMBDA_TASK_ROOT, '/var/task')
  assert.equal(env._HANDLER, 'index.handler')
  assert.equal(env.PATH, '/usr/bin')
  assert.equal('UNSET' in env, false)
})

test('the function may set TZ and its own variables', () => {
  const env = buildEnvironmentVariables(input)
  assert.equal(env.TZ, 'Europe/Paris')
  assert.equal(env.PORT, '3001')
  assert.equal(buildEnvironmentVariables({ ...input, userEnv: {} }).TZ, ':UTC')
})
