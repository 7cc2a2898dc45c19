"""Operations: backups, restore, the privacy retention purge, and ``dlxh doctor`` (one module each)."""
