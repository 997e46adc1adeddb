// The apiserver's PKI: CAs, serving and client certificates, tokens, the admin kubeconfig.
export { ensurePki, pkiPaths, Pki, PkiPaths, EnsurePkiOptions } from './ensure-pki';
export { writeAdminKubeconfig, ADMIN_CONTEXT } from './admin-kubeconfig';
export { CertificateAuthority, PemPair, createCertificateAuthority, loadCertificateAuthority, CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS } from './certificate-authority';
export { signClientCertificate, issueClientCertificate, createCertificateSigningRequest, nodeUserName, NODES_GROUP } from './client-certificate';
export { issueServingCertificate, subjectAltNamesOf } from './serving-certificate';
export { SubjectAltNames, defaultSubjectAltNames, normalizeSubjectAltNames } from './subject-alt-names';
export { caHash, verifyCaHash, parseJoinToken, formatJoinToken, JoinToken, secretsEqual, generateAdminToken, NODE_TOKEN_USER } from './tokens';
export { generateKeyPair } from './key-pair';
export { SERVER_TOKEN_USER } from './tokens';
export { BootstrapData, EtcdMemberRequest, EtcdMemberResponse, bootstrapRoutes, bootstrapDataOf, writeBootstrapData, hasClusterCa, fetchTrustedCa, fetchBootstrapData, requestEtcdMember, checkServerToken } from './bootstrap-data';
export { ensureEtcdPeerCertificate, EtcdPeerTls, ETCD_PEER_CN } from './etcd-peer-certificate';
export { ClusterNodeToken, rotateNodeToken, NODE_TOKEN_SECRET } from './cluster-node-token';
