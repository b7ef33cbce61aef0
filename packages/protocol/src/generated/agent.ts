import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentClient as _latchkey_v1_AgentClient, AgentDefinition as _latchkey_v1_AgentDefinition } from './latchkey/v1/Agent.js';
import type { DeleteSecretRequest as _latchkey_v1_DeleteSecretRequest, DeleteSecretRequest__Output as _latchkey_v1_DeleteSecretRequest__Output } from './latchkey/v1/DeleteSecretRequest.js';
import type { DeleteSecretResponse as _latchkey_v1_DeleteSecretResponse, DeleteSecretResponse__Output as _latchkey_v1_DeleteSecretResponse__Output } from './latchkey/v1/DeleteSecretResponse.js';
import type { GetSecretRequest as _latchkey_v1_GetSecretRequest, GetSecretRequest__Output as _latchkey_v1_GetSecretRequest__Output } from './latchkey/v1/GetSecretRequest.js';
import type { GetSecretResponse as _latchkey_v1_GetSecretResponse, GetSecretResponse__Output as _latchkey_v1_GetSecretResponse__Output } from './latchkey/v1/GetSecretResponse.js';
import type { ListSecretsRequest as _latchkey_v1_ListSecretsRequest, ListSecretsRequest__Output as _latchkey_v1_ListSecretsRequest__Output } from './latchkey/v1/ListSecretsRequest.js';
import type { ListSecretsResponse as _latchkey_v1_ListSecretsResponse, ListSecretsResponse__Output as _latchkey_v1_ListSecretsResponse__Output } from './latchkey/v1/ListSecretsResponse.js';
import type { PutSecretRequest as _latchkey_v1_PutSecretRequest, PutSecretRequest__Output as _latchkey_v1_PutSecretRequest__Output } from './latchkey/v1/PutSecretRequest.js';
import type { PutSecretResponse as _latchkey_v1_PutSecretResponse, PutSecretResponse__Output as _latchkey_v1_PutSecretResponse__Output } from './latchkey/v1/PutSecretResponse.js';
import type { SecretMeta as _latchkey_v1_SecretMeta, SecretMeta__Output as _latchkey_v1_SecretMeta__Output } from './latchkey/v1/SecretMeta.js';
import type { ShutdownRequest as _latchkey_v1_ShutdownRequest, ShutdownRequest__Output as _latchkey_v1_ShutdownRequest__Output } from './latchkey/v1/ShutdownRequest.js';
import type { ShutdownResponse as _latchkey_v1_ShutdownResponse, ShutdownResponse__Output as _latchkey_v1_ShutdownResponse__Output } from './latchkey/v1/ShutdownResponse.js';
import type { StatusRequest as _latchkey_v1_StatusRequest, StatusRequest__Output as _latchkey_v1_StatusRequest__Output } from './latchkey/v1/StatusRequest.js';
import type { StatusResponse as _latchkey_v1_StatusResponse, StatusResponse__Output as _latchkey_v1_StatusResponse__Output } from './latchkey/v1/StatusResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  latchkey: {
    v1: {
      Agent: SubtypeConstructor<typeof grpc.Client, _latchkey_v1_AgentClient> & { service: _latchkey_v1_AgentDefinition }
      DeleteSecretRequest: MessageTypeDefinition<_latchkey_v1_DeleteSecretRequest, _latchkey_v1_DeleteSecretRequest__Output>
      DeleteSecretResponse: MessageTypeDefinition<_latchkey_v1_DeleteSecretResponse, _latchkey_v1_DeleteSecretResponse__Output>
      GetSecretRequest: MessageTypeDefinition<_latchkey_v1_GetSecretRequest, _latchkey_v1_GetSecretRequest__Output>
      GetSecretResponse: MessageTypeDefinition<_latchkey_v1_GetSecretResponse, _latchkey_v1_GetSecretResponse__Output>
      ListSecretsRequest: MessageTypeDefinition<_latchkey_v1_ListSecretsRequest, _latchkey_v1_ListSecretsRequest__Output>
      ListSecretsResponse: MessageTypeDefinition<_latchkey_v1_ListSecretsResponse, _latchkey_v1_ListSecretsResponse__Output>
      PutSecretRequest: MessageTypeDefinition<_latchkey_v1_PutSecretRequest, _latchkey_v1_PutSecretRequest__Output>
      PutSecretResponse: MessageTypeDefinition<_latchkey_v1_PutSecretResponse, _latchkey_v1_PutSecretResponse__Output>
      SecretMeta: MessageTypeDefinition<_latchkey_v1_SecretMeta, _latchkey_v1_SecretMeta__Output>
      ShutdownRequest: MessageTypeDefinition<_latchkey_v1_ShutdownRequest, _latchkey_v1_ShutdownRequest__Output>
      ShutdownResponse: MessageTypeDefinition<_latchkey_v1_ShutdownResponse, _latchkey_v1_ShutdownResponse__Output>
      StatusRequest: MessageTypeDefinition<_latchkey_v1_StatusRequest, _latchkey_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_latchkey_v1_StatusResponse, _latchkey_v1_StatusResponse__Output>
    }
  }
}

