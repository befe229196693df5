/** A deliberately impure class: the negative control for the core purity rule. */
package io.stele.replication.raft.archfixture;
