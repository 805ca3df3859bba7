// Issue 14: a mistyped setting is named with the one it most likely meant.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closestName, editDistance } from '../../../../src/common/index.js'

const distances: Array<[string, string, number]> = [
  ['', '', 0],
  ['abc', 'abc', 0],
  ['abc', 'ABC', 0],
  ['MaxConcurentCount', 'MaxConcurrentCount', 1],
  ['ab', 'ba', 1],
  ['kitten', 'sitting', 3],
]
for (const [a, b, expected] of distances) {
  test(`editDistance(${JSON.stringify(a)}, ${JSON.stringify(b)}) is ${expected}`, () => {
    assert.equal(editDistance(a, b), expected)
  })
}

const ROUTER = ['LAMBDA_DISPATCH_MaxConcurrentCount', 'LAMBDA_DISPATCH_ChannelCount', 'LAMBDA_DISPATCH_FunctionName']
const nearest: Array<[string, string | undefined]> = [
  ['LAMBDA_DISPATCH_MaxConcurentCount', 'LAMBDA_DISPATCH_MaxConcurrentCount'],
  ['LAMBDA_DISPATCH_CHANELCOUNT', 'LAMBDA_DISPATCH_ChannelCount'],
  ['LAMBDA_DISPATCH_Fuction', 'LAMBDA_DISPATCH_FunctionName'],
  ['LAMBDA_DISPATCH_SOMETHING_ELSE_ENTIRELY_XYZ', undefined],
]
for (const [name, expected] of nearest) {
  test(`closestName suggests ${expected ?? 'nothing'} for ${name}`, () => {
    assert.equal(closestName(name, ROUTER), expected)
  })
}
