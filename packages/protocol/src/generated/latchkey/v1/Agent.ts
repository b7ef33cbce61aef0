// Original file: proto/latchkey/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AllowManifestRequest as _latchkey_v1_AllowManifestRequest, AllowManifestRequest__Output as _latchkey_v1_AllowManifestRequest__Output } from '../../latchkey/v1/AllowManifestRequest.js';
import type { AllowManifestResponse as _latchkey_v1_AllowManifestResponse, AllowManifestResponse__Output as _latchkey_v1_AllowManifestResponse__Output } from '../../latchkey/v1/AllowManifestResponse.js';
import type { DeleteSecretRequest as _latchkey_v1_DeleteSecretRequest, DeleteSecretRequest__Output as _latchkey_v1_DeleteSecretRequest__Output } from '../../latchkey/v1/DeleteSecretRequest.js';
import type { DeleteSecretResponse as _latchkey_v1_DeleteSecretResponse, DeleteSecretResponse__Output as _latchkey_v1_DeleteSecretResponse__Output } from '../../latchkey/v1/DeleteSecretResponse.js';
import type { DenyManifestRequest as _latchkey_v1_DenyManifestRequest, DenyManifestRequest__Output as _latchkey_v1_DenyManifestRequest__Output } from '../../latchkey/v1/DenyManifestRequest.js';
import type { DenyManifestResponse as _latchkey_v1_DenyManifestResponse, DenyManifestResponse__Output as _latchkey_v1_DenyManifestResponse__Output } from '../../latchkey/v1/DenyManifestResponse.js';
import type { GetSecretRequest as _latchkey_v1_GetSecretRequest, GetSecretRequest__Output as _latchkey_v1_GetSecretRequest__Output } from '../../latchkey/v1/GetSecretRequest.js';
import type { GetSecretResponse as _latchkey_v1_GetSecretResponse, GetSecretResponse__Output as _latchkey_v1_GetSecretResponse__Output } from '../../latchkey/v1/GetSecretResponse.js';
import type { InspectManifestRequest as _latchkey_v1_InspectManifestRequest, InspectManifestRequest__Output as _latchkey_v1_InspectManifestRequest__Output } from '../../latchkey/v1/InspectManifestRequest.js';
import type { InspectManifestResponse as _latchkey_v1_InspectManifestResponse, InspectManifestResponse__Output as _latchkey_v1_InspectManifestResponse__Output } from '../../latchkey/v1/InspectManifestResponse.js';
import type { IntrospectTempKeyRequest as _latchkey_v1_IntrospectTempKeyRequest, IntrospectTempKeyRequest__Output as _latchkey_v1_IntrospectTempKeyRequest__Output } from '../../latchkey/v1/IntrospectTempKeyRequest.js';
import type { Introspection as _latchkey_v1_Introspection, Introspection__Output as _latchkey_v1_Introspection__Output } from '../../latchkey/v1/Introspection.js';
import type { IssueTempKeyRequest as _latchkey_v1_IssueTempKeyRequest, IssueTempKeyRequest__Output as _latchkey_v1_IssueTempKeyRequest__Output } from '../../latchkey/v1/IssueTempKeyRequest.js';
import type { ListLeasesRequest as _latchkey_v1_ListLeasesRequest, ListLeasesRequest__Output as _latchkey_v1_ListLeasesRequest__Output } from '../../latchkey/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _latchkey_v1_ListLeasesResponse, ListLeasesResponse__Output as _latchkey_v1_ListLeasesResponse__Output } from '../../latchkey/v1/ListLeasesResponse.js';
import type { ListSecretsRequest as _latchkey_v1_ListSecretsRequest, ListSecretsRequest__Output as _latchkey_v1_ListSecretsRequest__Output } from '../../latchkey/v1/ListSecretsRequest.js';
import type { ListSecretsResponse as _latchkey_v1_ListSecretsResponse, ListSecretsResponse__Output as _latchkey_v1_ListSecretsResponse__Output } from '../../latchkey/v1/ListSecretsResponse.js';
import type { PutSecretRequest as _latchkey_v1_PutSecretRequest, PutSecretRequest__Output as _latchkey_v1_PutSecretRequest__Output } from '../../latchkey/v1/PutSecretRequest.js';
import type { PutSecretResponse as _latchkey_v1_PutSecretResponse, PutSecretResponse__Output as _latchkey_v1_PutSecretResponse__Output } from '../../latchkey/v1/PutSecretResponse.js';
import type { ResolveEnvRequest as _latchkey_v1_ResolveEnvRequest, ResolveEnvRequest__Output as _latchkey_v1_ResolveEnvRequest__Output } from '../../latchkey/v1/ResolveEnvRequest.js';
import type { ResolveEnvResponse as _latchkey_v1_ResolveEnvResponse, ResolveEnvResponse__Output as _latchkey_v1_ResolveEnvResponse__Output } from '../../latchkey/v1/ResolveEnvResponse.js';
import type { RevokeLeaseRequest as _latchkey_v1_RevokeLeaseRequest, RevokeLeaseRequest__Output as _latchkey_v1_RevokeLeaseRequest__Output } from '../../latchkey/v1/RevokeLeaseRequest.js';
import type { RevokeLeaseResponse as _latchkey_v1_RevokeLeaseResponse, RevokeLeaseResponse__Output as _latchkey_v1_RevokeLeaseResponse__Output } from '../../latchkey/v1/RevokeLeaseResponse.js';
import type { RotateSecretRequest as _latchkey_v1_RotateSecretRequest, RotateSecretRequest__Output as _latchkey_v1_RotateSecretRequest__Output } from '../../latchkey/v1/RotateSecretRequest.js';
import type { RotateSecretResponse as _latchkey_v1_RotateSecretResponse, RotateSecretResponse__Output as _latchkey_v1_RotateSecretResponse__Output } from '../../latchkey/v1/RotateSecretResponse.js';
import type { ScanReply as _latchkey_v1_ScanReply, ScanReply__Output as _latchkey_v1_ScanReply__Output } from '../../latchkey/v1/ScanReply.js';
import type { ScanRequest as _latchkey_v1_ScanRequest, ScanRequest__Output as _latchkey_v1_ScanRequest__Output } from '../../latchkey/v1/ScanRequest.js';
import type { SecretEvent as _latchkey_v1_SecretEvent, SecretEvent__Output as _latchkey_v1_SecretEvent__Output } from '../../latchkey/v1/SecretEvent.js';
import type { ShutdownRequest as _latchkey_v1_ShutdownRequest, ShutdownRequest__Output as _latchkey_v1_ShutdownRequest__Output } from '../../latchkey/v1/ShutdownRequest.js';
import type { ShutdownResponse as _latchkey_v1_ShutdownResponse, ShutdownResponse__Output as _latchkey_v1_ShutdownResponse__Output } from '../../latchkey/v1/ShutdownResponse.js';
import type { StatusRequest as _latchkey_v1_StatusRequest, StatusRequest__Output as _latchkey_v1_StatusRequest__Output } from '../../latchkey/v1/StatusRequest.js';
import type { StatusResponse as _latchkey_v1_StatusResponse, StatusResponse__Output as _latchkey_v1_StatusResponse__Output } from '../../latchkey/v1/StatusResponse.js';
import type { TempKey as _latchkey_v1_TempKey, TempKey__Output as _latchkey_v1_TempKey__Output } from '../../latchkey/v1/TempKey.js';
import type { VerifyAuditRequest as _latchkey_v1_VerifyAuditRequest, VerifyAuditRequest__Output as _latchkey_v1_VerifyAuditRequest__Output } from '../../latchkey/v1/VerifyAuditRequest.js';
import type { VerifyAuditResponse as _latchkey_v1_VerifyAuditResponse, VerifyAuditResponse__Output as _latchkey_v1_VerifyAuditResponse__Output } from '../../latchkey/v1/VerifyAuditResponse.js';
import type { WatchSecretsRequest as _latchkey_v1_WatchSecretsRequest, WatchSecretsRequest__Output as _latchkey_v1_WatchSecretsRequest__Output } from '../../latchkey/v1/WatchSecretsRequest.js';

export interface AgentClient extends grpc.Client {
  AllowManifest(argument: _latchkey_v1_AllowManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  AllowManifest(argument: _latchkey_v1_AllowManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  AllowManifest(argument: _latchkey_v1_AllowManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  AllowManifest(argument: _latchkey_v1_AllowManifestRequest, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  allowManifest(argument: _latchkey_v1_AllowManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  allowManifest(argument: _latchkey_v1_AllowManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  allowManifest(argument: _latchkey_v1_AllowManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  allowManifest(argument: _latchkey_v1_AllowManifestRequest, callback: grpc.requestCallback<_latchkey_v1_AllowManifestResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  DeleteSecret(argument: _latchkey_v1_DeleteSecretRequest, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  deleteSecret(argument: _latchkey_v1_DeleteSecretRequest, callback: grpc.requestCallback<_latchkey_v1_DeleteSecretResponse__Output>): grpc.ClientUnaryCall;
  
  DenyManifest(argument: _latchkey_v1_DenyManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  DenyManifest(argument: _latchkey_v1_DenyManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  DenyManifest(argument: _latchkey_v1_DenyManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  DenyManifest(argument: _latchkey_v1_DenyManifestRequest, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  denyManifest(argument: _latchkey_v1_DenyManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  denyManifest(argument: _latchkey_v1_DenyManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  denyManifest(argument: _latchkey_v1_DenyManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  denyManifest(argument: _latchkey_v1_DenyManifestRequest, callback: grpc.requestCallback<_latchkey_v1_DenyManifestResponse__Output>): grpc.ClientUnaryCall;
  
  GetSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  GetSecret(argument: _latchkey_v1_GetSecretRequest, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  getSecret(argument: _latchkey_v1_GetSecretRequest, callback: grpc.requestCallback<_latchkey_v1_GetSecretResponse__Output>): grpc.ClientUnaryCall;
  
  InspectManifest(argument: _latchkey_v1_InspectManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  InspectManifest(argument: _latchkey_v1_InspectManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  InspectManifest(argument: _latchkey_v1_InspectManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  InspectManifest(argument: _latchkey_v1_InspectManifestRequest, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  inspectManifest(argument: _latchkey_v1_InspectManifestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  inspectManifest(argument: _latchkey_v1_InspectManifestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  inspectManifest(argument: _latchkey_v1_InspectManifestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  inspectManifest(argument: _latchkey_v1_InspectManifestRequest, callback: grpc.requestCallback<_latchkey_v1_InspectManifestResponse__Output>): grpc.ClientUnaryCall;
  
  IntrospectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  IntrospectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  IntrospectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  IntrospectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  introspectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  introspectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  introspectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  introspectTempKey(argument: _latchkey_v1_IntrospectTempKeyRequest, callback: grpc.requestCallback<_latchkey_v1_Introspection__Output>): grpc.ClientUnaryCall;
  
  IssueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  IssueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  IssueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  IssueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  issueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  issueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  issueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  issueTempKey(argument: _latchkey_v1_IssueTempKeyRequest, callback: grpc.requestCallback<_latchkey_v1_TempKey__Output>): grpc.ClientUnaryCall;
  
  ListLeases(argument: _latchkey_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _latchkey_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _latchkey_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _latchkey_v1_ListLeasesRequest, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _latchkey_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _latchkey_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _latchkey_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _latchkey_v1_ListLeasesRequest, callback: grpc.requestCallback<_latchkey_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  
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
  
  ResolveEnv(argument: _latchkey_v1_ResolveEnvRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  ResolveEnv(argument: _latchkey_v1_ResolveEnvRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  ResolveEnv(argument: _latchkey_v1_ResolveEnvRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  ResolveEnv(argument: _latchkey_v1_ResolveEnvRequest, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  resolveEnv(argument: _latchkey_v1_ResolveEnvRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  resolveEnv(argument: _latchkey_v1_ResolveEnvRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  resolveEnv(argument: _latchkey_v1_ResolveEnvRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  resolveEnv(argument: _latchkey_v1_ResolveEnvRequest, callback: grpc.requestCallback<_latchkey_v1_ResolveEnvResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeLease(argument: _latchkey_v1_RevokeLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _latchkey_v1_RevokeLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _latchkey_v1_RevokeLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _latchkey_v1_RevokeLeaseRequest, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _latchkey_v1_RevokeLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _latchkey_v1_RevokeLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _latchkey_v1_RevokeLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _latchkey_v1_RevokeLeaseRequest, callback: grpc.requestCallback<_latchkey_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  RotateSecret(argument: _latchkey_v1_RotateSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _latchkey_v1_RotateSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _latchkey_v1_RotateSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  RotateSecret(argument: _latchkey_v1_RotateSecretRequest, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _latchkey_v1_RotateSecretRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _latchkey_v1_RotateSecretRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _latchkey_v1_RotateSecretRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  rotateSecret(argument: _latchkey_v1_RotateSecretRequest, callback: grpc.requestCallback<_latchkey_v1_RotateSecretResponse__Output>): grpc.ClientUnaryCall;
  
  Scan(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_latchkey_v1_ScanRequest, _latchkey_v1_ScanReply__Output>;
  Scan(options?: grpc.CallOptions): grpc.ClientDuplexStream<_latchkey_v1_ScanRequest, _latchkey_v1_ScanReply__Output>;
  scan(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_latchkey_v1_ScanRequest, _latchkey_v1_ScanReply__Output>;
  scan(options?: grpc.CallOptions): grpc.ClientDuplexStream<_latchkey_v1_ScanRequest, _latchkey_v1_ScanReply__Output>;
  
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
  
  VerifyAudit(argument: _latchkey_v1_VerifyAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  VerifyAudit(argument: _latchkey_v1_VerifyAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  VerifyAudit(argument: _latchkey_v1_VerifyAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  VerifyAudit(argument: _latchkey_v1_VerifyAuditRequest, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  verifyAudit(argument: _latchkey_v1_VerifyAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  verifyAudit(argument: _latchkey_v1_VerifyAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  verifyAudit(argument: _latchkey_v1_VerifyAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  verifyAudit(argument: _latchkey_v1_VerifyAuditRequest, callback: grpc.requestCallback<_latchkey_v1_VerifyAuditResponse__Output>): grpc.ClientUnaryCall;
  
  WatchSecrets(argument: _latchkey_v1_WatchSecretsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_latchkey_v1_SecretEvent__Output>;
  WatchSecrets(argument: _latchkey_v1_WatchSecretsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_latchkey_v1_SecretEvent__Output>;
  watchSecrets(argument: _latchkey_v1_WatchSecretsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_latchkey_v1_SecretEvent__Output>;
  watchSecrets(argument: _latchkey_v1_WatchSecretsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_latchkey_v1_SecretEvent__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  AllowManifest: grpc.handleUnaryCall<_latchkey_v1_AllowManifestRequest__Output, _latchkey_v1_AllowManifestResponse>;
  
  DeleteSecret: grpc.handleUnaryCall<_latchkey_v1_DeleteSecretRequest__Output, _latchkey_v1_DeleteSecretResponse>;
  
  DenyManifest: grpc.handleUnaryCall<_latchkey_v1_DenyManifestRequest__Output, _latchkey_v1_DenyManifestResponse>;
  
  GetSecret: grpc.handleUnaryCall<_latchkey_v1_GetSecretRequest__Output, _latchkey_v1_GetSecretResponse>;
  
  InspectManifest: grpc.handleUnaryCall<_latchkey_v1_InspectManifestRequest__Output, _latchkey_v1_InspectManifestResponse>;
  
  IntrospectTempKey: grpc.handleUnaryCall<_latchkey_v1_IntrospectTempKeyRequest__Output, _latchkey_v1_Introspection>;
  
  IssueTempKey: grpc.handleUnaryCall<_latchkey_v1_IssueTempKeyRequest__Output, _latchkey_v1_TempKey>;
  
  ListLeases: grpc.handleUnaryCall<_latchkey_v1_ListLeasesRequest__Output, _latchkey_v1_ListLeasesResponse>;
  
  ListSecrets: grpc.handleUnaryCall<_latchkey_v1_ListSecretsRequest__Output, _latchkey_v1_ListSecretsResponse>;
  
  PutSecret: grpc.handleUnaryCall<_latchkey_v1_PutSecretRequest__Output, _latchkey_v1_PutSecretResponse>;
  
  ResolveEnv: grpc.handleUnaryCall<_latchkey_v1_ResolveEnvRequest__Output, _latchkey_v1_ResolveEnvResponse>;
  
  RevokeLease: grpc.handleUnaryCall<_latchkey_v1_RevokeLeaseRequest__Output, _latchkey_v1_RevokeLeaseResponse>;
  
  RotateSecret: grpc.handleUnaryCall<_latchkey_v1_RotateSecretRequest__Output, _latchkey_v1_RotateSecretResponse>;
  
  Scan: grpc.handleBidiStreamingCall<_latchkey_v1_ScanRequest__Output, _latchkey_v1_ScanReply>;
  
  Shutdown: grpc.handleUnaryCall<_latchkey_v1_ShutdownRequest__Output, _latchkey_v1_ShutdownResponse>;
  
  Status: grpc.handleUnaryCall<_latchkey_v1_StatusRequest__Output, _latchkey_v1_StatusResponse>;
  
  VerifyAudit: grpc.handleUnaryCall<_latchkey_v1_VerifyAuditRequest__Output, _latchkey_v1_VerifyAuditResponse>;
  
  WatchSecrets: grpc.handleServerStreamingCall<_latchkey_v1_WatchSecretsRequest__Output, _latchkey_v1_SecretEvent>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  AllowManifest: MethodDefinition<_latchkey_v1_AllowManifestRequest, _latchkey_v1_AllowManifestResponse, _latchkey_v1_AllowManifestRequest__Output, _latchkey_v1_AllowManifestResponse__Output>
  DeleteSecret: MethodDefinition<_latchkey_v1_DeleteSecretRequest, _latchkey_v1_DeleteSecretResponse, _latchkey_v1_DeleteSecretRequest__Output, _latchkey_v1_DeleteSecretResponse__Output>
  DenyManifest: MethodDefinition<_latchkey_v1_DenyManifestRequest, _latchkey_v1_DenyManifestResponse, _latchkey_v1_DenyManifestRequest__Output, _latchkey_v1_DenyManifestResponse__Output>
  GetSecret: MethodDefinition<_latchkey_v1_GetSecretRequest, _latchkey_v1_GetSecretResponse, _latchkey_v1_GetSecretRequest__Output, _latchkey_v1_GetSecretResponse__Output>
  InspectManifest: MethodDefinition<_latchkey_v1_InspectManifestRequest, _latchkey_v1_InspectManifestResponse, _latchkey_v1_InspectManifestRequest__Output, _latchkey_v1_InspectManifestResponse__Output>
  IntrospectTempKey: MethodDefinition<_latchkey_v1_IntrospectTempKeyRequest, _latchkey_v1_Introspection, _latchkey_v1_IntrospectTempKeyRequest__Output, _latchkey_v1_Introspection__Output>
  IssueTempKey: MethodDefinition<_latchkey_v1_IssueTempKeyRequest, _latchkey_v1_TempKey, _latchkey_v1_IssueTempKeyRequest__Output, _latchkey_v1_TempKey__Output>
  ListLeases: MethodDefinition<_latchkey_v1_ListLeasesRequest, _latchkey_v1_ListLeasesResponse, _latchkey_v1_ListLeasesRequest__Output, _latchkey_v1_ListLeasesResponse__Output>
  ListSecrets: MethodDefinition<_latchkey_v1_ListSecretsRequest, _latchkey_v1_ListSecretsResponse, _latchkey_v1_ListSecretsRequest__Output, _latchkey_v1_ListSecretsResponse__Output>
  PutSecret: MethodDefinition<_latchkey_v1_PutSecretRequest, _latchkey_v1_PutSecretResponse, _latchkey_v1_PutSecretRequest__Output, _latchkey_v1_PutSecretResponse__Output>
  ResolveEnv: MethodDefinition<_latchkey_v1_ResolveEnvRequest, _latchkey_v1_ResolveEnvResponse, _latchkey_v1_ResolveEnvRequest__Output, _latchkey_v1_ResolveEnvResponse__Output>
  RevokeLease: MethodDefinition<_latchkey_v1_RevokeLeaseRequest, _latchkey_v1_RevokeLeaseResponse, _latchkey_v1_RevokeLeaseRequest__Output, _latchkey_v1_RevokeLeaseResponse__Output>
  RotateSecret: MethodDefinition<_latchkey_v1_RotateSecretRequest, _latchkey_v1_RotateSecretResponse, _latchkey_v1_RotateSecretRequest__Output, _latchkey_v1_RotateSecretResponse__Output>
  Scan: MethodDefinition<_latchkey_v1_ScanRequest, _latchkey_v1_ScanReply, _latchkey_v1_ScanRequest__Output, _latchkey_v1_ScanReply__Output>
  Shutdown: MethodDefinition<_latchkey_v1_ShutdownRequest, _latchkey_v1_ShutdownResponse, _latchkey_v1_ShutdownRequest__Output, _latchkey_v1_ShutdownResponse__Output>
  Status: MethodDefinition<_latchkey_v1_StatusRequest, _latchkey_v1_StatusResponse, _latchkey_v1_StatusRequest__Output, _latchkey_v1_StatusResponse__Output>
  VerifyAudit: MethodDefinition<_latchkey_v1_VerifyAuditRequest, _latchkey_v1_VerifyAuditResponse, _latchkey_v1_VerifyAuditRequest__Output, _latchkey_v1_VerifyAuditResponse__Output>
  WatchSecrets: MethodDefinition<_latchkey_v1_WatchSecretsRequest, _latchkey_v1_SecretEvent, _latchkey_v1_WatchSecretsRequest__Output, _latchkey_v1_SecretEvent__Output>
}
