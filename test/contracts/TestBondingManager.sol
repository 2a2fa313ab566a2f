// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The transcoder-pool view functions of Livepeer's BondingManager (livepeer/protocol
/// contracts/bonding/BondingManager.sol), same names and signatures, over a pool tests set directly.
/// The real pool is a linked list sorted by stake; here it is the order given to setPool.
contract TestBondingManager {
    address[] private pool;
    mapping(address => address) private nextOf;
    mapping(address => bool) private activeThisRound;
    uint256 private reportedSize;
    bool private sizeOverridden;

    function setPool(address[] calldata transcoders) external {
        for (uint256 i = 0; i < pool.length; i++) nextOf[pool[i]] = address(0);
        pool = transcoders;
        for (uint256 i = 0; i + 1 < transcoders.length; i++) nextOf[transcoders[i]] = transcoders[i + 1];
        sizeOverridden = false;
    }

    function setActive(address transcoder, bool active) external {
        activeThisRound[transcoder] = active;
    }

    /// Breaks the list on purpose: a reader must refuse a pool it cannot walk consistently.
    function setNext(address transcoder, address next) external {
        nextOf[transcoder] = next;
    }

    /// Makes getTranscoderPoolSize disagree with the list, as a torn read would.
    function setReportedSize(uint256 size) external {
        reportedSize = size;
        sizeOverridden = true;
    }

    function getTranscoderPoolSize() external view returns (uint256) {
        return sizeOverridden ? reportedSize : pool.length;
    }

    function getFirstTranscoderInPool() external view returns (address) {
        return pool.length == 0 ? address(0) : pool[0];
    }

    function getNextTranscoderInPool(address _transcoder) external view returns (address) {
        return nextOf[_transcoder];
    }

    function isActiveTranscoder(address _transcoder) external view returns (bool) {
        return activeThisRound[_transcoder];
    }
}
