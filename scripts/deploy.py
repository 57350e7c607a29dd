"""Placeholder for the softliq deploy (`ape run deploy`): proves the pipeline
reaches a real anvil node. Replaced by the system deploy."""

from ape import chain


def main():
    provider = chain.provider
    print(
        f"connected: {provider.web3.client_version} via ape provider {provider.name!r}, "
        f"chain id {chain.chain_id}, block {chain.blocks.height}"
    )
