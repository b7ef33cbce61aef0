// Original file: proto/latchkey/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteSecretRequest as _latchkey_v1_DeleteSecretRequest, DeleteSecretRequest__Output as _latchkey_v1_DeleteSecretRequest__Output } from '../../latchkey/v1/DeleteSecretRequest.js';
import type { DeleteSecretResponse as _latchkey_v1_DeleteSecretResponse, DeleteSecretResponse__Output as _latchkey_v1_DeleteSecretResponse__Output } from '../../latchkey/v1/DeleteSecretResponse.js';
import type { GetSecretRequest as _latchkey_v1_GetSecretRequest, GetSecretRequest__Output as _latchkey_v1_GetSecretRequest__Output } from '../../latchkey/v1/GetSecretRequest.js';
import type { GetSecretResponse as _latchkey_v1_GetSecretResponse, GetSecretResponse__Output as _latchkey_v1_GetSecretResponse__Output } from '../../latchkey/v1/GetSecretResponse.js';
import type { ListSecretsRequest as _latchkey_v1_ListSecretsRequest, ListSecretsRequest__Output as _latchkey_v1_ListSecretsRequest__Output } from '../../latchkey/v1/ListSecretsRequest.js';
import type { ListSecretsResponse as _latchkey_v1_ListSecretsResponse, ListSecretsResponse__Output as _latchkey_v1_ListSecretsResponse__Output } from '../../latchkey/v1/ListSecretsResponse.js';
import type { PutSecretRequest as _latchkey_v1_PutSecretRequest, PutSecretRequest__Output as _latchkey_v1_PutSecretRequest__Output } from '../../latchkey/v1/PutSecretRequest.js';
import type { PutSecretResponse as _latchkey_v1_PutSecretResponse, PutSecretResponse__Output as _latchkey_v1_PutSecretResponse__Output } from '../../latchkey/v1/PutSecretResponse.js';
import type { ShutdownRequest as _latchkey_v1_ShutdownRequest, ShutdownRequest__Output as _latchkey_v1_ShutdownRequest__Output } from '../../latchkey/v1/ShutdownRequest.js';
import type { ShutdownResponse as _latchkey_v1_ShutdownResponse, ShutdownResponse__Output as _latchkey_v1_ShutdownResponse__Output } from '../../latchkey/v1/ShutdownResponse.js';
import type { StatusRequest as _latchkey_v1_StatusRequest, StatusRequest__Output as _latchkey_v1_StatusRequest__Output } from '../../latchkey/v1/StatusRequest.js';
import type { StatusResponse as _latchkey_v1_StatusResponse, StatusResponse__Output as _latchkey_v1_StatusResponse__Output } from '../../latchkey/v1/StatusResponse.js';

export interface AgentClient extends grpc.Client {
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  
  GetSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  
  ListSecrets(argument: _latchkey_v1_ListSecretsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  ListSecrets(argument: _latchkey_v1_ListSecretsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  ListSecrets(argument: _latchkey_v1_ListSecretsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  ListSecrets(argument: _latchkey_v1_ListSecretsRequest, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  listSecrets(argument: _latchkey_v1_ListSecretsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  listSecrets(argument: _latchkey_v1_ListSecretsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  listSecrets(argument: _latchkey_v1_ListSecretsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  listSecrets(argument: _latchkey_v1_ListSecretsRequest, callback: grpc.requestCallback<_latchkey_v1_ListSecretsResponse__Output>): grpc.ClientUnaryCall;
  
  PutSecret(argument: _latchkey_v1_PutSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  PutSecret(argument: _latchkey_v1_PutSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  PutSecret(argument: _latchkey_v1_PutSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  PutSecret(argument: _latchkey_v1_PutSecretRequest, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  putSecret(argument: _latchkey_v1_PutSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  putSecret(argument: _latchkey_v1_PutSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  putSecret(argument: _latchkey_v1_PutSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  putSecret(argument: _latchkey_v1_PutSecretRequest, callback: grpc.requestCallback<_latchkey_v1_PutSecretResponse__Output>): grpc.ClientUnaryCall;
  
  Shutdown(argument: _latchkey_v1_ShutdownRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _latchkey_v1_ShutdownRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _latchkey_v1_ShutdownRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  Shutdown(argument: _latchkey_v1_ShutdownRequest, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _latchkey_v1_ShutdownRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _latchkey_v1_ShutdownRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _latchkey_v1_ShutdownRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  shutdown(argument: _latchkey_v1_ShutdownRequest, callback: grpc.requestCallback<_latchkey_v1_ShutdownResponse__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _latchkey_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _latchkey_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _latchkey_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _latchkey_v1_StatusRequest, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _latchkey_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _latchkey_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _latchkey_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _latchkey_v1_StatusRequest, callback: grpc.requestCallback<_latchkey_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  DeleteSecret: grpc.handleUnaryCall<_latchkey_v1_DeleteSecretRequest__Output, _latchkey_v1_DeleteSecretResponse>;
  
  GetSecret: grpc.handleUnaryCall<_latchkey_v1_GetSecretRequest__Output, _latchkey_v1_GetSecretResponse>;
  
  ListSecrets: grpc.handleUnaryCall<_latchkey_v1_ListSecretsRequest__Output, _latchkey_v1_ListSecretsResponse>;
  
  PutSecret: grpc.handleUnaryCall<_latchkey_v1_PutSecretRequest__Output, _latchkey_v1_PutSecretResponse>;
  
  Shutdown: grpc.handleUnaryCall<_latchkey_v1_ShutdownRequest__Output, _latchkey_v1_ShutdownResponse>;
  
  Status: grpc.handleUnaryCall<_latchkey_v1_StatusRequest__Output, _latchkey_v1_StatusResponse>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  DeleteSecret: MethodDefinition<_latchkey_v1_DeleteSecretRequest, _latchkey_v1_DeleteSecretResponse, _latchkey_v1_DeleteSecretRequest__Output, _latchkey_v1_DeleteSecretResponse__Output>
  GetSecret: MethodDefinition<_latchkey_v1_GetSecretRequest, _latchkey_v1_GetSecretResponse, _latchkey_v1_GetSecretRequest__Output, _latchkey_v1_GetSecretResponse__Output>
  ListSecrets: MethodDefinition<_latchkey_v1_ListSecretsRequest, _latchkey_v1_ListSecretsResponse, _latchkey_v1_ListSecretsRequest__Output, _latchkey_v1_ListSecretsResponse__Output>
  PutSecret: MethodDefinition<_latchkey_v1_PutSecretRequest, _latchkey_v1_PutSecretResponse, _latchkey_v1_PutSecretRequest__Output, _latchkey_v1_PutSecretResponse__Output>
  Shutdown: MethodDefinition<_latchkey_v1_ShutdownRequest, _latchkey_v1_ShutdownResponse, _latchkey_v1_ShutdownRequest__Output, _latchkey_v1_ShutdownResponse__Output>
  Status: MethodDefinition<_latchkey_v1_StatusRequest, _latchkey_v1_StatusResponse, _latchkey_v1_StatusRequest__Output, _latchkey_v1_StatusResponse__Output>
}
