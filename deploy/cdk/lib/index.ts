// The public surface of the Lambda Dispatch CDK package.
export {
  type ControlChannelScheme,
  EcsConstruct,
  type EcsConstructProps,
  healthProbe,
  type RouterListenerRule,
  type RouterPorts,
  type RouterSettings,
} from './ecs-construct.js'
export {
  ExtensionLayer,
  type ExtensionLayerProps,
  NODE_RUNTIMES_WITH_NODE,
  SELF_CONTAINED_LAYER_RUNTIMES,
  selfContainedLayerZip,
} from './extension-layer.js'
export {
  type ImageAppCode,
  type LambdaAppCode,
  LambdaConstruct,
  type LambdaConstructProps,
  type ZipAppCode,
} from './lambda-construct.js'
export {
  DEFAULT_APP_PORT,
  EXTENSION_ENV,
  LAYER_PATHS,
  ROUTER_CLOSE_AFTER_DRAIN_SECONDS,
  ROUTER_DEFAULT_PORTS,
  ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
  ROUTER_ENV,
} from './router-settings.js'
