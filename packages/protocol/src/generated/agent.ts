import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentClient as _latchkey_v1_AgentClient, AgentDefinition as _latchkey_v1_AgentDefinition } from './latchkey/v1/Agent.js';
import type { AllowManifestRequest as _latchkey_v1_AllowManifestRequest, AllowManifestRequest__Output as _latchkey_v1_AllowManifestRequest__Output } from './latchkey/v1/AllowManifestRequest.js';
import type { AllowManifestResponse as _latchkey_v1_AllowManifestResponse, AllowManifestResponse__Output as _latchkey_v1_AllowManifestResponse__Output } from './latchkey/v1/AllowManifestResponse.js';
import type { AuditPlace as _latchkey_v1_AuditPlace, AuditPlace__Output as _latchkey_v1_AuditPlace__Output } from './latchkey/v1/AuditPlace.js';
import type { AuditRepair as _latchkey_v1_AuditRepair, AuditRepair__Output as _latchkey_v1_AuditRepair__Output } from './latchkey/v1/AuditRepair.js';
import type { DeleteSecretRequest as _latchkey_v1_DeleteSecretRequest, DeleteSecretRequest__Output as _latchkey_v1_DeleteSecretRequest__Output } from './latchkey/v1/DeleteSecretRequest.js';
import type { DeleteSecretResponse as _latchkey_v1_DeleteSecretResponse, DeleteSecretResponse__Output as _latchkey_v1_DeleteSecretResponse__Output } from './latchkey/v1/DeleteSecretResponse.js';
import type { DenyManifestRequest as _latchkey_v1_DenyManifestRequest, DenyManifestRequest__Output as _latchkey_v1_DenyManifestRequest__Output } from './latchkey/v1/DenyManifestRequest.js';
import type { DenyManifestResponse as _latchkey_v1_DenyManifestResponse, DenyManifestResponse__Output as _latchkey_v1_DenyManifestResponse__Output } from './latchkey/v1/DenyManifestResponse.js';
import type { GetSecretRequest as _latchkey_v1_GetSecretRequest, GetSecretRequest__Output as _latchkey_v1_GetSecretRequest__Output } from './latchkey/v1/GetSecretRequest.js';
import type { GetSecretResponse as _latchkey_v1_GetSecretResponse, GetSecretResponse__Output as _latchkey_v1_GetSecretResponse__Output } from './latchkey/v1/GetSecretResponse.js';
import type { InspectManifestRequest as _latchkey_v1_InspectManifestRequest, InspectManifestRequest__Output as _latchkey_v1_InspectManifestRequest__Output } from './latchkey/v1/InspectManifestRequest.js';
import type { InspectManifestResponse as _latchkey_v1_InspectManifestResponse, InspectManifestResponse__Output as _latchkey_v1_InspectManifestResponse__Output } from './latchkey/v1/InspectManifestResponse.js';
import type { IntrospectTempKeyRequest as _latchkey_v1_IntrospectTempKeyRequest, IntrospectTempKeyRequest__Output as _latchkey_v1_IntrospectTempKeyRequest__Output } from './latchkey/v1/IntrospectTempKeyRequest.js';
import type { Introspection as _latchkey_v1_Introspection, Introspection__Output as _latchkey_v1_Introspection__Output } from './latchkey/v1/Introspection.js';
import type { IssueTempKeyRequest as _latchkey_v1_IssueTempKeyRequest, IssueTempKeyRequest__Output as _latchkey_v1_IssueTempKeyRequest__Output } from './latchkey/v1/IssueTempKeyRequest.js';
import type { Lease as _latchkey_v1_Lease, Lease__Output as _latchkey_v1_Lease__Output } from './latchkey/v1/Lease.js';
import type { ListLeasesRequest as _latchkey_v1_ListLeasesRequest, ListLeasesRequest__Output as _latchkey_v1_ListLeasesRequest__Output } from './latchkey/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _latchkey_v1_ListLeasesResponse, ListLeasesResponse__Output as _latchkey_v1_ListLeasesResponse__Output } from './latchkey/v1/ListLeasesResponse.js';
import type { ListSecretsRequest as _latchkey_v1_ListSecretsRequest, ListSecretsRequest__Output as _latchkey_v1_ListSecretsRequest__Output } from './latchkey/v1/ListSecretsRequest.js';
import type { ListSecretsResponse as _latchkey_v1_ListSecretsResponse, ListSecretsResponse__Output as _latchkey_v1_ListSecretsResponse__Output } from './latchkey/v1/ListSecretsResponse.js';
import type { ManifestEntry as _latchkey_v1_ManifestEntry, ManifestEntry__Output as _latchkey_v1_ManifestEntry__Output } from './latchkey/v1/ManifestEntry.js';
import type { NeededSecret as _latchkey_v1_NeededSecret, NeededSecret__Output as _latchkey_v1_NeededSecret__Output } from './latchkey/v1/NeededSecret.js';
import type { PutSecretRequest as _latchkey_v1_PutSecretRequest, PutSecretRequest__Output as _latchkey_v1_PutSecretRequest__Output } from './latchkey/v1/PutSecretRequest.js';
import type { PutSecretResponse as _latchkey_v1_PutSecretResponse, PutSecretResponse__Output as _latchkey_v1_PutSecretResponse__Output } from './latchkey/v1/PutSecretResponse.js';
import type { ResolveEnvRequest as _latchkey_v1_ResolveEnvRequest, ResolveEnvRequest__Output as _latchkey_v1_ResolveEnvRequest__Output } from './latchkey/v1/ResolveEnvRequest.js';
import type { ResolveEnvResponse as _latchkey_v1_ResolveEnvResponse, ResolveEnvResponse__Output as _latchkey_v1_ResolveEnvResponse__Output } from './latchkey/v1/ResolveEnvResponse.js';
import type { RevokeLeaseRequest as _latchkey_v1_RevokeLeaseRequest, RevokeLeaseRequest__Output as _latchkey_v1_RevokeLeaseRequest__Output } from './latchkey/v1/RevokeLeaseRequest.js';
import type { RevokeLeaseResponse as _latchkey_v1_RevokeLeaseResponse, RevokeLeaseResponse__Output as _latchkey_v1_RevokeLeaseResponse__Output } from './latchkey/v1/RevokeLeaseResponse.js';
import type { RotateSecretRequest as _latchkey_v1_RotateSecretRequest, RotateSecretRequest__Output as _latchkey_v1_RotateSecretRequest__Output } from './latchkey/v1/RotateSecretRequest.js';
import type { RotateSecretResponse as _latchkey_v1_RotateSecretResponse, RotateSecretResponse__Output as _latchkey_v1_RotateSecretResponse__Output } from './latchkey/v1/RotateSecretResponse.js';
import type { ScanAnswer as _latchkey_v1_ScanAnswer, ScanAnswer__Output as _latchkey_v1_ScanAnswer__Output } from './latchkey/v1/ScanAnswer.js';
import type { ScanFinding as _latchkey_v1_ScanFinding, ScanFinding__Output as _latchkey_v1_ScanFinding__Output } from './latchkey/v1/ScanFinding.js';
import type { ScanPiece as _latchkey_v1_ScanPiece, ScanPiece__Output as _latchkey_v1_ScanPiece__Output } from './latchkey/v1/ScanPiece.js';
import type { ScanReply as _latchkey_v1_ScanReply, ScanReply__Output as _latchkey_v1_ScanReply__Output } from './latchkey/v1/ScanReply.js';
import type { ScanRequest as _latchkey_v1_ScanRequest, ScanRequest__Output as _latchkey_v1_ScanRequest__Output } from './latchkey/v1/ScanRequest.js';
import type { ScanSummary as _latchkey_v1_ScanSummary, ScanSummary__Output as _latchkey_v1_ScanSummary__Output } from './latchkey/v1/ScanSummary.js';
import type { SecretEvent as _latchkey_v1_SecretEvent, SecretEvent__Output as _latchkey_v1_SecretEvent__Output } from './latchkey/v1/SecretEvent.js';
import type { SecretMeta as _latchkey_v1_SecretMeta, SecretMeta__Output as _latchkey_v1_SecretMeta__Output } from './latchkey/v1/SecretMeta.js';
import type { ShutdownRequest as _latchkey_v1_ShutdownRequest, ShutdownRequest__Output as _latchkey_v1_ShutdownRequest__Output } from './latchkey/v1/ShutdownRequest.js';
import type { ShutdownResponse as _latchkey_v1_ShutdownResponse, ShutdownResponse__Output as _latchkey_v1_ShutdownResponse__Output } from './latchkey/v1/ShutdownResponse.js';
import type { StatusRequest as _latchkey_v1_StatusRequest, StatusRequest__Output as _latchkey_v1_StatusRequest__Output } from './latchkey/v1/StatusRequest.js';
import type { StatusResponse as _latchkey_v1_StatusResponse, StatusResponse__Output as _latchkey_v1_StatusResponse__Output } from './latchkey/v1/StatusResponse.js';
import type { TempKey as _latchkey_v1_TempKey, TempKey__Output as _latchkey_v1_TempKey__Output } from './latchkey/v1/TempKey.js';
import type { VerifyAuditRequest as _latchkey_v1_VerifyAuditRequest, VerifyAuditRequest__Output as _latchkey_v1_VerifyAuditRequest__Output } from './latchkey/v1/VerifyAuditRequest.js';
import type { VerifyAuditResponse as _latchkey_v1_VerifyAuditResponse, VerifyAuditResponse__Output as _latchkey_v1_VerifyAuditResponse__Output } from './latchkey/v1/VerifyAuditResponse.js';
import type { WatchSecretsRequest as _latchkey_v1_WatchSecretsRequest, WatchSecretsRequest__Output as _latchkey_v1_WatchSecretsRequest__Output } from './latchkey/v1/WatchSecretsRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  latchkey: {
    v1: {
      Agent: SubtypeConstructor<typeof grpc.Client, _latchkey_v1_AgentClient> & { service: _latchkey_v1_AgentDefinition }
      AllowManifestRequest: MessageTypeDefinition<_latchkey_v1_AllowManifestRequest, _latchkey_v1_AllowManifestRequest__Output>
      AllowManifestResponse: MessageTypeDefinition<_latchkey_v1_AllowManifestResponse, _latchkey_v1_AllowManifestResponse__Output>
      AuditPlace: MessageTypeDefinition<_latchkey_v1_AuditPlace, _latchkey_v1_AuditPlace__Output>
      AuditRepair: MessageTypeDefinition<_latchkey_v1_AuditRepair, _latchkey_v1_AuditRepair__Output>
      DeleteSecretRequest: MessageTypeDefinition<_latchkey_v1_DeleteSecretRequest, _latchkey_v1_DeleteSecretRequest__Output>
      DeleteSecretResponse: MessageTypeDefinition<_latchkey_v1_DeleteSecretResponse, _latchkey_v1_DeleteSecretResponse__Output>
      DenyManifestRequest: MessageTypeDefinition<_latchkey_v1_DenyManifestRequest, _latchkey_v1_DenyManifestRequest__Output>
      DenyManifestResponse: MessageTypeDefinition<_latchkey_v1_DenyManifestResponse, _latchkey_v1_DenyManifestResponse__Output>
      GetSecretRequest: MessageTypeDefinition<_latchkey_v1_GetSecretRequest, _latchkey_v1_GetSecretRequest__Output>
      GetSecretResponse: MessageTypeDefinition<_latchkey_v1_GetSecretResponse, _latchkey_v1_GetSecretResponse__Output>
      InspectManifestRequest: MessageTypeDefinition<_latchkey_v1_InspectManifestRequest, _latchkey_v1_InspectManifestRequest__Output>
      InspectManifestResponse: MessageTypeDefinition<_latchkey_v1_InspectManifestResponse, _latchkey_v1_InspectManifestResponse__Output>
      IntrospectTempKeyRequest: MessageTypeDefinition<_latchkey_v1_IntrospectTempKeyRequest, _latchkey_v1_IntrospectTempKeyRequest__Output>
      Introspection: MessageTypeDefinition<_latchkey_v1_Introspection, _latchkey_v1_Introspection__Output>
      IssueTempKeyRequest: MessageTypeDefinition<_latchkey_v1_IssueTempKeyRequest, _latchkey_v1_IssueTempKeyRequest__Output>
      Lease: MessageTypeDefinition<_latchkey_v1_Lease, _latchkey_v1_Lease__Output>
      ListLeasesRequest: MessageTypeDefinition<_latchkey_v1_ListLeasesRequest, _latchkey_v1_ListLeasesRequest__Output>
      ListLeasesResponse: MessageTypeDefinition<_latchkey_v1_ListLeasesResponse, _latchkey_v1_ListLeasesResponse__Output>
      ListSecretsRequest: MessageTypeDefinition<_latchkey_v1_ListSecretsRequest, _latchkey_v1_ListSecretsRequest__Output>
      ListSecretsResponse: MessageTypeDefinition<_latchkey_v1_ListSecretsResponse, _latchkey_v1_ListSecretsResponse__Output>
      ManifestEntry: MessageTypeDefinition<_latchkey_v1_ManifestEntry, _latchkey_v1_ManifestEntry__Output>
      NeededSecret: MessageTypeDefinition<_latchkey_v1_NeededSecret, _latchkey_v1_NeededSecret__Output>
      PutSecretRequest: MessageTypeDefinition<_latchkey_v1_PutSecretRequest, _latchkey_v1_PutSecretRequest__Output>
      PutSecretResponse: MessageTypeDefinition<_latchkey_v1_PutSecretResponse, _latchkey_v1_PutSecretResponse__Output>
      ResolveEnvRequest: MessageTypeDefinition<_latchkey_v1_ResolveEnvRequest, _latchkey_v1_ResolveEnvRequest__Output>
      ResolveEnvResponse: MessageTypeDefinition<_latchkey_v1_ResolveEnvResponse, _latchkey_v1_ResolveEnvResponse__Output>
      RevokeLeaseRequest: MessageTypeDefinition<_latchkey_v1_RevokeLeaseRequest, _latchkey_v1_RevokeLeaseRequest__Output>
      RevokeLeaseResponse: MessageTypeDefinition<_latchkey_v1_RevokeLeaseResponse, _latchkey_v1_RevokeLeaseResponse__Output>
      RotateSecretRequest: MessageTypeDefinition<_latchkey_v1_RotateSecretRequest, _latchkey_v1_RotateSecretRequest__Output>
      RotateSecretResponse: MessageTypeDefinition<_latchkey_v1_RotateSecretResponse, _latchkey_v1_RotateSecretResponse__Output>
      ScanAnswer: MessageTypeDefinition<_latchkey_v1_ScanAnswer, _latchkey_v1_ScanAnswer__Output>
      ScanFinding: MessageTypeDefinition<_latchkey_v1_ScanFinding, _latchkey_v1_ScanFinding__Output>
      ScanPiece: MessageTypeDefinition<_latchkey_v1_ScanPiece, _latchkey_v1_ScanPiece__Output>
      ScanReply: MessageTypeDefinition<_latchkey_v1_ScanReply, _latchkey_v1_ScanReply__Output>
      ScanRequest: MessageTypeDefinition<_latchkey_v1_ScanRequest, _latchkey_v1_ScanRequest__Output>
      ScanSummary: MessageTypeDefinition<_latchkey_v1_ScanSummary, _latchkey_v1_ScanSummary__Output>
      SecretEvent: MessageTypeDefinition<_latchkey_v1_SecretEvent, _latchkey_v1_SecretEvent__Output>
      SecretMeta: MessageTypeDefinition<_latchkey_v1_SecretMeta, _latchkey_v1_SecretMeta__Output>
      ShutdownRequest: MessageTypeDefinition<_latchkey_v1_ShutdownRequest, _latchkey_v1_ShutdownRequest__Output>
      ShutdownResponse: MessageTypeDefinition<_latchkey_v1_ShutdownResponse, _latchkey_v1_ShutdownResponse__Output>
      StatusRequest: MessageTypeDefinition<_latchkey_v1_StatusRequest, _latchkey_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_latchkey_v1_StatusResponse, _latchkey_v1_StatusResponse__Output>
      TempKey: MessageTypeDefinition<_latchkey_v1_TempKey, _latchkey_v1_TempKey__Output>
      VerifyAuditRequest: MessageTypeDefinition<_latchkey_v1_VerifyAuditRequest, _latchkey_v1_VerifyAuditRequest__Output>
      VerifyAuditResponse: MessageTypeDefinition<_latchkey_v1_VerifyAuditResponse, _latchkey_v1_VerifyAuditResponse__Output>
      WatchSecretsRequest: MessageTypeDefinition<_latchkey_v1_WatchSecretsRequest, _latchkey_v1_WatchSecretsRequest__Output>
    }
  }
}

